"""包联走访: the pairing figures of the dashboard (filled in by the section's own work)."""

from grassroots.dashboards.sections.base import Section
from grassroots.pairing import capabilities as caps

SECTION = Section(key="pairing", label="包联走访", capability=caps.VIEW, metrics={}, tiles=())
