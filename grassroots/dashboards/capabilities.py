"""Who may open an area's dashboard, big screen and briefing.

The figures are counts and sums, never a resident's row; each tile's list is the app's own page, scoped by that
app's capability, and a section shows only to a caller who holds its app's capability on the area
(``dashboards.sections.Section.capability``).
"""

from grassroots.rules.roles import Role

# The dashboard, the big screen and the monthly briefing of an area.
VIEW = "dashboards.view"
# Every dashboard table as an Excel workbook.
EXPORT = "dashboards.export"

_VILLAGE = [Role.VILLAGE_SECRETARY, Role.VILLAGE_COMMITTEE_MEMBER, Role.PARTY_GROUP_LEADER]
_STAFF = [Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.ORGANISATION_STAFF, Role.SYSTEM_ADMIN]

GRANTS: dict[str, list[Role]] = {
    # Grid workers and cashiers have homes of their own (工作台); a village's roles see their village at a glance.
    VIEW: [*_VILLAGE, *_STAFF],
    EXPORT: [Role.VILLAGE_SECRETARY, *_STAFF],
}
