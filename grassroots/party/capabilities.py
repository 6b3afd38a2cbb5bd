"""Who may do what with the party registers: organisations, members, meetings, the development pipeline and the
两新 census. One table for the five party apps (party, members, meetings, development, neworgs), as the points
apps share points/capabilities.py.

An organisation's secretary holds their role on the organisation (RoleAssignment.organisation), so it reaches that
organisation and the ones under it; every other role is held on an area and reaches the organisations there.
"""

from grassroots.rules.roles import Role

VIEW = "party.view"
# Meetings and attendance, mobile members' contacts, home reports, pipeline steps, the sending and receiving ends
# of a transfer: the organisation's own record keeping.
RECORD = "party.record"
# The organisation tree, status and rectification, admitting and ending memberships, the 两新 census and the
# instructor pool: the organisation department's.
MANAGE = "party.manage"
EXPORT = "party.export"

_SECRETARIES = [Role.VILLAGE_SECRETARY, Role.ORGANISATION_SECRETARY]
_DEPARTMENT = [Role.ORGANISATION_STAFF, Role.SYSTEM_ADMIN]

GRANTS: dict[str, list[Role]] = {
    # Membership is never public: only the roles that keep or oversee the registers see it. Grid workers and
    # cashiers do not; township and county staff look without changing.
    VIEW: [*_SECRETARIES, Role.VILLAGE_COMMITTEE_MEMBER, Role.PARTY_GROUP_LEADER, Role.TOWNSHIP_STAFF,
           Role.COUNTY_STAFF, *_DEPARTMENT],
    RECORD: [*_SECRETARIES, *_DEPARTMENT],
    MANAGE: _DEPARTMENT,
    EXPORT: [*_SECRETARIES, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, *_DEPARTMENT],
}
