"""Roles and what each may do. A role is held on an area and reaches its whole subtree.

Capabilities are plain strings so that later apps (points, shop, demands) add their own
without touching the access code.
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
    SYSTEM_ADMIN = "system_admin"


ROLE_LABELS = {
    Role.GRID_WORKER: "网格员",
    Role.PARTY_GROUP_LEADER: "党小组长",
    Role.VILLAGE_COMMITTEE_MEMBER: "村两委委员",
    Role.VILLAGE_SECRETARY: "村党组织书记",
    Role.CASHIER: "爱心超市收银员",
    Role.TOWNSHIP_STAFF: "苏木乡镇街道干部",
    Role.COUNTY_STAFF: "旗县干部",
    Role.SYSTEM_ADMIN: "系统管理员",
}

VIEW_RESIDENTS = "residents.view"
EDIT_RESIDENTS = "residents.edit"
IMPORT_RESIDENTS = "residents.import"
EXPORT_RESIDENTS = "residents.export"
VIEW_SENSITIVE = "residents.view_sensitive"
VIEW_AUDIT = "audit.view"
MANAGE_ACCOUNTS = "accounts.manage"

CAPABILITIES: dict[Role, frozenset[str]] = {
    Role.GRID_WORKER: frozenset({VIEW_RESIDENTS, EDIT_RESIDENTS, VIEW_SENSITIVE}),
    # The party group reviews points; it reads the register but does not keep it.
    Role.PARTY_GROUP_LEADER: frozenset({VIEW_RESIDENTS}),
    Role.VILLAGE_COMMITTEE_MEMBER: frozenset({VIEW_RESIDENTS, EDIT_RESIDENTS, EXPORT_RESIDENTS, VIEW_SENSITIVE}),
    Role.VILLAGE_SECRETARY: frozenset(
        {VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS, EXPORT_RESIDENTS, VIEW_SENSITIVE, MANAGE_ACCOUNTS}
    ),
    # The cashier finds households at the counter; nothing more of the register.
    Role.CASHIER: frozenset({VIEW_RESIDENTS}),
    # Township and county staff oversee: they read and export, villages keep the register.
    Role.TOWNSHIP_STAFF: frozenset({VIEW_RESIDENTS, EXPORT_RESIDENTS, VIEW_SENSITIVE}),
    Role.COUNTY_STAFF: frozenset({VIEW_RESIDENTS, EXPORT_RESIDENTS, VIEW_SENSITIVE}),
    Role.SYSTEM_ADMIN: frozenset(
        {VIEW_RESIDENTS, EDIT_RESIDENTS, IMPORT_RESIDENTS, EXPORT_RESIDENTS, VIEW_SENSITIVE, VIEW_AUDIT, MANAGE_ACCOUNTS}
    ),
}


def register_capability(role: Role, capability: str) -> None:
    """Let a later app grant its own capability to a role (called from its AppConfig.ready)."""
    CAPABILITIES[role] = CAPABILITIES[role] | {capability}


def paths_with(assignments: list[tuple[str, str]], capability: str) -> list[str]:
    """The area paths (of (role, path) pairs) on which ``capability`` is held, outermost only."""
    paths = sorted({path for role, path in assignments if capability in CAPABILITIES.get(Role(role), ())})
    outermost: list[str] = []
    for path in paths:
        if not any(path.startswith(o) for o in outermost):
            outermost.append(path)
    return outermost


def holds(assignments: list[tuple[str, str]], capability: str, path: str) -> bool:
    return any(path.startswith(p) for p in paths_with(assignments, capability))
