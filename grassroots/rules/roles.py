"""Roles and what each may do. A role is held on an area and reaches its whole subtree.

Capabilities are plain strings; each app declares who holds its own in one table (capability → roles),
and access/grants.py reads every table into role → capabilities once.
"""

from enum import StrEnum


class Role(StrEnum):
    GRID_WORKER = "grid_worker"
    PARTY_GROUP_LEADER = "party_group_leader"
    VILLAGE_COMMITTEE_MEMBER = "village_committee_member"
    VILLAGE_SECRETARY = "village_secretary"
    CASHIER = "cashier"
    TOWNSHIP_STAFF = "township_staff"
    COUNTY_STAFF = "county_staff"
    # Held on one party organisation (RoleAssignment.organisation): that organisation and the ones under it.
    ORGANISATION_SECRETARY = "organisation_secretary"
    # 组织部门: held on a township or county, like the staff roles, for the party registers of its subtree.
    ORGANISATION_STAFF = "organisation_staff"
    SYSTEM_ADMIN = "system_admin"


ROLE_LABELS = {
    Role.GRID_WORKER: "网格员",
    Role.PARTY_GROUP_LEADER: "党小组长",
    Role.VILLAGE_COMMITTEE_MEMBER: "村两委委员",
    Role.VILLAGE_SECRETARY: "村党组织书记",
    Role.CASHIER: "爱心超市收银员",
    Role.TOWNSHIP_STAFF: "苏木乡镇街道干部",
    Role.COUNTY_STAFF: "旗县干部",
    Role.ORGANISATION_SECRETARY: "党组织书记",
    Role.ORGANISATION_STAFF: "组织部门干部",
    Role.SYSTEM_ADMIN: "系统管理员",
}

VIEW_RESIDENTS = "residents.view"
EDIT_RESIDENTS = "residents.edit"
IMPORT_RESIDENTS = "residents.import"
EXPORT_RESIDENTS = "residents.export"
VIEW_SENSITIVE = "residents.view_sensitive"
VIEW_AUDIT = "audit.view"
MANAGE_ACCOUNTS = "accounts.manage"

# Who may do what with the resident register, audit and accounts: capability → the roles that hold it. Each app
# declares its own table the same way (GRANTS in <app>/capabilities.py); access/grants.py reads them all.
EVERY_ROLE = frozenset(Role)
GRANTS: dict[str, frozenset[Role]] = {
    # Every area role reads the register of its areas: the party group reviews points, the cashier finds
    # households at the counter, township and county staff oversee. An organisation secretary's role is held on a
    # party organisation (a unit's, an enterprise's), not on an area: it reaches no households.
    VIEW_RESIDENTS: EVERY_ROLE - {Role.ORGANISATION_SECRETARY},
    # Villages keep the register; township and county staff read and export it.
    EDIT_RESIDENTS: frozenset({Role.GRID_WORKER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY,
                               Role.SYSTEM_ADMIN}),
    IMPORT_RESIDENTS: frozenset({Role.VILLAGE_SECRETARY, Role.SYSTEM_ADMIN}),
    EXPORT_RESIDENTS: frozenset({Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY, Role.TOWNSHIP_STAFF,
                                 Role.COUNTY_STAFF, Role.SYSTEM_ADMIN}),
    VIEW_SENSITIVE: frozenset({Role.GRID_WORKER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY,
                               Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN}),
    VIEW_AUDIT: frozenset({Role.SYSTEM_ADMIN}),
    MANAGE_ACCOUNTS: frozenset({Role.VILLAGE_SECRETARY, Role.SYSTEM_ADMIN}),
}


def capabilities_by_role(*tables) -> dict[Role, frozenset[str]]:
    """Read capability → roles tables the one way round that access needs: role → its capabilities."""
    by_role: dict[Role, set[str]] = {role: set() for role in Role}
    for table in tables:
        for capability, roles in table.items():
            for role in roles:
                by_role[Role(role)].add(capability)
    return {role: frozenset(capabilities) for role, capabilities in by_role.items()}


def paths_with(assignments: list[tuple[str, str]], capability: str, capabilities: dict[Role, frozenset[str]]) -> list[str]:
    """The area paths (of (role, path) pairs) on which ``capability`` is held, outermost only, by the
    role → capabilities table ``capabilities``."""
    paths = sorted({path for role, path in assignments if capability in capabilities.get(Role(role), ())})
    outermost: list[str] = []
    for path in paths:
        if not any(path.startswith(o) for o in outermost):
            outermost.append(path)
    return outermost


def holds(assignments: list[tuple[str, str]], capability: str, path: str,
          capabilities: dict[Role, frozenset[str]]) -> bool:
    return any(path.startswith(p) for p in paths_with(assignments, capability, capabilities))
