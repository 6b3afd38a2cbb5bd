"""需求清单: the demands figures of the dashboard (filled in by the section's own work)."""

from grassroots.dashboards.sections.base import Section
from grassroots.demands import capabilities as caps

SECTION = Section(key="demands", label="需求清单", capability=caps.VIEW, metrics={}, tiles=())
