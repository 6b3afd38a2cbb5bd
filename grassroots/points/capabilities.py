"""The points apps' capabilities (catalogue, claims, ledger, settlement, boards) and who holds them."""

from grassroots.rules.roles import Role

VIEW = "points.view"
RECORD = "points.record"
MANAGE_RULES = "points.manage_rules"
DECIDE_OBJECTIONS = "points.decide_objections"
REVERSE = "points.reverse"
SETTLE = "points.settle"
RECORD_CONSENT = "points.record_consent"

GRANTS: dict[str, list[Role]] = {
    VIEW: [Role.GRID_WORKER, Role.PARTY_GROUP_LEADER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY,
           Role.CASHIER, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
    RECORD: [Role.GRID_WORKER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
    MANAGE_RULES: [Role.VILLAGE_SECRETARY, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
    DECIDE_OBJECTIONS: [Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
    REVERSE: [Role.VILLAGE_SECRETARY],
    SETTLE: [Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
    RECORD_CONSENT: [Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
}

