"""爱心超市: the shop figures of the dashboard (filled in by the section's own work)."""

from grassroots.dashboards.sections.base import Section
from grassroots.shop import capabilities as caps

SECTION = Section(key="shop", label="爱心超市", capability=caps.VIEW, metrics={}, tiles=())
