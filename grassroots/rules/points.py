"""Point arithmetic and the ledger's hash chain. Pure Python: no Django.

Points are integers (negative for a deduction). Weeks, months and quarters are local
calendar periods (the caller passes local dates).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

GENESIS = "0" * 64

PERIODS = ("week", "month", "quarter")


def period_bounds(day: date, period: str) -> tuple[date, date]:
    """The first and last day of the week (Monday to Sunday), month or quarter that holds ``day``."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    else:
        raise ValueError(f"unknown period {period!r}")
    months = 1 if period == "month" else 3
    year, month = divmod(start.month - 1 + months, 12)
    return start, date(start.year + year, month + 1, 1) - timedelta(days=1)


def claim_points(points_per_unit: int, quantity: int) -> int:
    if quantity < 1:
        raise ValueError("数量至少为1")
    return points_per_unit * quantity


def cap_left(cap: int | None, already: int, adding: int) -> int | None:
    """How far ``adding`` goes past the cap (None when it fits).

    The cap bounds the size of what a person collects under one rule in the period,
    so for a deduction rule (negative points) it bounds the total deducted.
    """
    if cap is None:
        return None
    total = abs(already + adding)
    return total - cap if total > cap else None


@dataclass(frozen=True)
class ChainLink:
    """What an entry's hash covers: its position, its content and the previous hash."""

    seq: int
    prev_hash: str
    content: dict

    def digest(self) -> str:
        payload = json.dumps({"seq": self.seq, "prev": self.prev_hash, "content": self.content},
                             ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()


def chain(prev_hash: str, start_seq: int, contents: list[dict]) -> list[tuple[int, str, str]]:
    """(seq, prev_hash, hash) for each content, continuing a chain whose head is ``prev_hash``."""
    links = []
    for offset, content in enumerate(contents):
        seq = start_seq + offset
        digest = ChainLink(seq, prev_hash, content).digest()
        links.append((seq, prev_hash, digest))
        prev_hash = digest
    return links


def first_break(entries: list[tuple[int, str, str, dict]]) -> int | None:
    """The seq of the first entry whose link is broken, or None when the chain holds.

    ``entries`` are (seq, prev_hash, hash, content) in seq order, starting at 1.
    """
    expected_prev = GENESIS
    for position, (seq, prev_hash, digest, content) in enumerate(entries, start=1):
        if seq != position or prev_hash != expected_prev or ChainLink(seq, prev_hash, content).digest() != digest:
            return seq
        expected_prev = digest
    return None


def short_hash(digest: str) -> str:
    return digest[:12]
