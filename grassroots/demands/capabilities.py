"""What each role may do with demands. Registered on the roles from DemandsConfig.ready.

Unit staff (UnitMember) need no role: membership of a unit lets them see and handle its queue.
"""

from grassroots.rules.roles import Role, register_capability

VIEW = "demands.view"  # see demands, queues and numbers in one's areas
RECORD = "demands.record"  # record a demand met on a visit, a call or at a meeting
DISPATCH = "demands.dispatch"  # route, reroute, push wishes to units (派单/改派)
CLAIM = "demands.claim"  # claim a micro-wish as a party member (认领)
EXPORT = "demands.export"  # download the numbers as Excel
CONFIGURE = "demands.configure"  # units, the category tree and the responsibility list (admin)

GRANTS = {
    Role.GRID_WORKER: {VIEW, RECORD, CLAIM},
    # The party group leader reads and, as a party member, claims wishes; records and dispatches nothing.
    Role.PARTY_GROUP_LEADER: {VIEW, CLAIM},
    Role.VILLAGE_COMMITTEE_MEMBER: {VIEW, RECORD, CLAIM, EXPORT},
    Role.VILLAGE_SECRETARY: {VIEW, RECORD, DISPATCH, CLAIM, EXPORT},
    Role.TOWNSHIP_STAFF: {VIEW, RECORD, DISPATCH, CLAIM, EXPORT},
    Role.COUNTY_STAFF: {VIEW, RECORD, DISPATCH, CLAIM, EXPORT, CONFIGURE},
    Role.SYSTEM_ADMIN: {VIEW, RECORD, DISPATCH, EXPORT, CONFIGURE},
}


def register() -> None:
    for role, capabilities in GRANTS.items():
        for capability in capabilities:
            register_capability(role, capability)
