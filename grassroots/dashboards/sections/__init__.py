"""The dashboard's sections, in the order it shows them (the shapes are in ``base.py``)."""

from grassroots.dashboards.sections import demands, pairing, party, points, shop, volunteers
from grassroots.dashboards.sections.base import STATE, Section

SECTIONS: tuple[Section, ...] = tuple(m.SECTION for m in (points, demands, shop, pairing, volunteers, party))

# Metrics that are what stood at a build, not what happened on a day: a rebuild of a past day keeps them.
STATE_METRICS = frozenset(k for s in SECTIONS for k, kind in s.metrics.items() if kind == STATE)
