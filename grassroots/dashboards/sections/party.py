"""党建: the party figures of the dashboard (filled in by the section's own work)."""

from grassroots.dashboards.sections.base import Section
from grassroots.party import capabilities as caps

SECTION = Section(key="party", label="党建", capability=caps.VIEW, metrics={}, tiles=())
