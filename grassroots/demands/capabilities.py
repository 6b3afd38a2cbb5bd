"""What each role may do with demands (read by access/grants.py).

Unit staff (UnitMember) need no role: membership of a unit lets them see and handle its queue.
"""

from grassroots.rules.roles import Role

VIEW = "demands.view"  # see demands, queues and numbers in one's areas
RECORD = "demands.record"  # record a demand met on a visit, a call or at a meeting
DISPATCH = "demands.dispatch"  # route, reroute, push wishes to units (派单/改派)
CLAIM = "demands.claim"  # claim a micro-wish as a party member (认领)
EXPORT = "demands.export"  # download the numbers as Excel
CONFIGURE = "demands.configure"  # units, the category tree and the responsibility list (admin)

GRANTS: dict[str, list[Role]] = {
    VIEW: [Role.GRID_WORKER, Role.PARTY_GROUP_LEADER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY,
           Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
    # The party group leader reads and, as a party member, claims wishes; records and dispatches nothing.
    RECORD: [Role.GRID_WORKER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY, Role.TOWNSHIP_STAFF,
             Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
    DISPATCH: [Role.VILLAGE_SECRETARY, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
    CLAIM: [Role.GRID_WORKER, Role.PARTY_GROUP_LEADER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY,
            Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF],
    EXPORT: [Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF,
             Role.SYSTEM_ADMIN],
    CONFIGURE: [Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
}
