"""Tracking codes (受理编号) a resident uses to follow a demand.

Pure Python, no Django. A code is 10 characters from a 32-letter alphabet without 0/O/1/I (nothing to
misread on a phone or a receipt): 9 random characters (32⁹ ≈ 3.5 × 10¹³, drawn with ``secrets``, so
they cannot be guessed or enumerated) and one check character (Luhn mod 32) that catches a mistyped
character or two swapped neighbours before any database look-up.

Looking a code up answers the same for a code that does not exist, a code that is malformed and a code
that belongs to another area (``public_answer``): the answer never tells which.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_N = len(ALPHABET)


def _check_char(body: str) -> str:
    """Luhn mod N over ``body``: the character that makes the whole code check out."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return body + _check_char(body)


def normalize(raw: str) -> str:
    """What the resident typed, as a code: upper case, without spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -_\t\n\u3000")[: LENGTH * 2]


def is_well_formed(code: str) -> bool:
    if len(code) != LENGTH or any(c not in _INDEX for c in code):
        return False
    return _check_char(code[:-1]) == code[-1]


def display(code: str) -> str:
    """ABCDE-FGHJK: easier to read aloud over the phone."""
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code


def public_answer(found_path: str | None, board_path: str) -> bool:
    """Whether a code found at ``found_path`` may be shown on the board of ``board_path``.

    Missing (None) and elsewhere both give False, so the page answers the same for both.
    """
    return found_path is not None and found_path.startswith(board_path)
