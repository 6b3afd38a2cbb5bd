"""Tracking codes (受理编号) a resident uses to follow a demand.

Pure Python, no Django. A code is 10 characters from a 32-letter alphabet without 0/O/1/I (nothing to
misread on a phone or a receipt): 9 random characters (32⁹ ≈ 3.5 × 10¹³, drawn with ``secrets``, so
they cannot be guessed or enumerated) and one check character.

The check character
-------------------
New codes end in a **Damm** check character over the 32 letters: the quasigroup is
``x ∘ y = 2·x + y`` in GF(32) (GF(2)[t] modulo the primitive polynomial t⁵ + t² + 1, letters mapped to
field elements by their index). It is a quasigroup (every row and column is a permutation) and totally
anti-symmetric, ``(c ∘ x) ∘ y = (c ∘ y) ∘ x ⇒ x = y``, because the difference of the two sides is
``(2 + 1)·(x + y)`` and 3 ≠ 0 in GF(32). So every single wrong character and every swap of two different
neighbours (the check character included) changes the final state away from 0: all of them are caught,
at any length (``tests/test_tracking.py`` checks both properties exhaustively over the table and over every
position of a 10-character code).

The codes issued before (until December 2026) end in a **Luhn mod 32** character instead. Luhn mod N misses
some swaps of neighbours (``2``↔``Z``, the letters worth 0 and 31, for one), which made the old random test
fail about once in 30 runs. Those codes are printed on residents' receipts and cannot be reissued, so they
stay valid:

* ``generate`` only issues Damm codes, and redraws any body whose Damm code would also pass the Luhn check
  (1 in 32). A stored code therefore tells by itself which scheme issued it (``scheme``): one that passes
  Luhn is an old code, one that passes only Damm a new one.
* ``is_well_formed`` tries Damm first, then Luhn: a code passing either goes on to the database look-up,
  which is exact (``tracking_code = …``).

The trade-off, written down: accepting either check weakens the check *before* the look-up. Of the wrong
versions of a new code (one character wrong or two neighbours swapped) none passes Damm, but about 1 in 32
passes Luhn and is looked up instead of refused at once. Such a look-up can only find an old code (new
codes never pass Luhn), so a typing error lands on somebody else's demand only if it happens to spell one
of the fixed, finite set of old codes (about n / 32⁹ for n old codes); otherwise the answer is the same
"not found" a refused code gets. Old codes keep Luhn's known blind spots. When no old code is in use any
more, drop ``_luhn_char`` from ``scheme`` and the check is Damm alone.

Looking a code up answers the same for a code that does not exist, a code that is malformed and a code
that belongs to another area (``public_answer``): the answer never tells which.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 10
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_N = len(ALPHABET)

DAMM = "damm"
LUHN = "luhn"  # codes issued before December 2026

_POLY = 0b100101  # t⁵ + t² + 1, primitive over GF(2)
_FACTOR = 2  # the field element t: any a ∉ {0, 1} gives a totally anti-symmetric quasigroup


def _gf32_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return product


# QUASIGROUP[x][y] = a·x + y in GF(32) (addition is XOR).
QUASIGROUP: tuple[tuple[int, ...], ...] = tuple(
    tuple(_gf32_mul(_FACTOR, x) ^ y for y in range(_N)) for x in range(_N))


def _damm_state(text: str) -> int:
    state = 0
    for char in text:
        state = QUASIGROUP[state][_INDEX[char]]
    return state


def _damm_char(body: str) -> str:
    """The character c with state(body) ∘ c = 0, so that the whole code runs to state 0."""
    row = QUASIGROUP[_damm_state(body)]
    return ALPHABET[row.index(0)]


def _luhn_char(body: str) -> str:
    """Luhn mod N over ``body`` (the old check, kept to accept the codes issued with it)."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def code_for(body: str) -> str:
    """``body`` (LENGTH − 1 characters of ALPHABET) with its Damm check character: for callers that draw
    bodies themselves, from a seeded generator (the benchmarks)."""
    return body + _damm_char(body)


def generate() -> str:
    """A new code: random body and Damm check character, never one that would also pass the old check."""
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
        check = _damm_char(body)
        if _luhn_char(body) != check:
            return body + check


def normalize(raw: str) -> str:
    """What the resident typed, as a code: upper case, without spaces and dashes."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -_\t\n\u3000")[: LENGTH * 2]


def scheme(code: str) -> str | None:
    """DAMM for a code that passes the new check, LUHN for one that passes only the old one, else None."""
    if len(code) != LENGTH or any(c not in _INDEX for c in code):
        return None
    if _damm_state(code) == 0:
        return DAMM
    if _luhn_char(code[:-1]) == code[-1]:
        return LUHN
    return None


def is_well_formed(code: str) -> bool:
    """Worth a database look-up: passes the new check or (an old code) the old one. See the module notes."""
    return scheme(code) is not None


def display(code: str) -> str:
    """ABCDE-FGHJK: easier to read aloud over the phone."""
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code


def public_answer(found_path: str | None, board_path: str) -> bool:
    """Whether a code found at ``found_path`` may be shown on the board of ``board_path``.

    Missing (None) and elsewhere both give False, so the page answers the same for both.
    """
    return found_path is not None and found_path.startswith(board_path)
