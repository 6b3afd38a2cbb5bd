"""志愿服务: the volunteers figures of the dashboard (filled in by the section's own work)."""

from grassroots.dashboards.sections.base import Section
from grassroots.volunteers import capabilities as caps

SECTION = Section(key="volunteers", label="志愿服务", capability=caps.VIEW, metrics={}, tiles=())
