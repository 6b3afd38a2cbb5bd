"""The ledger's scheduled check (core/tasks.py SCHEDULE)."""

import logging

from grassroots.ledger.selectors import household_month_differences, ledger_problem, villages_with_ledgers

logger = logging.getLogger(__name__)


class LedgerBroken(Exception):
    """Raised so that the worker records the run as failed, where the admin pages show it."""


def verify_ledgers() -> dict:
    """Recompute every village's hash chain and check it against its head and checkpoints, and recount its
    household-month roll-up, once a day."""
    checked, broken = 0, []
    for village in villages_with_ledgers():
        checked += 1
        problem = ledger_problem(village.pk)
        if problem is not None:
            broken.append(f"{village.name}（{village.code}）{problem.words}")
        differences = household_month_differences(village.pk)
        if differences:
            broken.append(f"{village.name}（{village.code}）{differences[0].words}"
                          + (f" 等 {len(differences)} 处" if len(differences) > 1 else ""))
    if broken:
        logger.error("ledger verification: %d of %d villages inconsistent: %s", len(broken), checked, broken)
        raise LedgerBroken("积分台账核验不一致：" + "；".join(broken))
    return {"checked": checked, "broken": 0}
