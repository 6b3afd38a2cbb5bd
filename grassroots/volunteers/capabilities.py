"""Who may do what with volunteer service, besides a team's own leader and a volunteer's own account.

A team's leader (and the staff of a unit that owns a team) runs the team's activities and confirms its hours
whatever roles they hold; a volunteer sees their own sign-ups and hours (access/scope.py ``visible_teams``,
``access_team``). These capabilities are for the roles that oversee volunteer service by area.
"""

from grassroots.rules.roles import Role

# The register of volunteers (names, phone numbers, skills), sign-ups and hours in one's areas.
VIEW = "volunteers.view"
# Practice sites, teams, activities, rotas; confirming hours; the village's hours rule.
MANAGE = "volunteers.manage"
EXPORT = "volunteers.export"

_STAFF = [Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.ORGANISATION_STAFF, Role.SYSTEM_ADMIN]

GRANTS: dict[str, list[Role]] = {
    # Teams and volunteers are registered at village level and above: a grid worker (whose role sits on one grid)
    # would see nothing, so the role is not offered a register it cannot fill. As a volunteer or a team leader they
    # reach their own service like anyone.
    VIEW: [Role.VILLAGE_SECRETARY, Role.VILLAGE_COMMITTEE_MEMBER, Role.PARTY_GROUP_LEADER, *_STAFF],
    MANAGE: [Role.VILLAGE_SECRETARY, Role.VILLAGE_COMMITTEE_MEMBER, *_STAFF],
    EXPORT: [Role.VILLAGE_SECRETARY, *_STAFF],
}
