"""The dashboard's sections, in the order it shows them (the shapes are in ``base.py``)."""

from grassroots.dashboards.sections import demands, pairing, party, points, shop, volunteers
from grassroots.dashboards.sections.base import STATE, Section

SECTIONS: tuple[Section, ...] = tuple(m.SECTION for m in (points, demands, shop, pairing, volunteers, party))

# Metrics that are what stood at a build, not what happened on a day: a rebuild of a past day keeps them.
STATE_METRICS = frozenset(k for s in SECTIONS for k, kind in s.metrics.items() if kind == STATE)
STATE_PREFIXES = tuple(p for s in SECTIONS for p in s.state_prefixes)


def is_state(key: str) -> bool:
    """Whether ``key`` is a state (what stood at a build) rather than a flow (what happened on a day)."""
    return key in STATE_METRICS or key.startswith(STATE_PREFIXES)

