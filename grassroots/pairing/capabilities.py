"""Who may do what with pairs and visits, besides the pair's own visitor.

A pair's visitor (the cadre's account, the members of the unit) sees their own pairs, the households in them and
logs their visits whatever roles they hold (access/scope.py ``visible_pairs``); these capabilities are for the
roles that set pairs up and oversee them by area.
"""

from grassroots.rules.roles import Role

VIEW = "pairing.view"
# Log a visit for any pair in one's areas (a village secretary on behalf of an elderly member without a phone).
RECORD = "pairing.record"
# Set pairs up, end them, hand out households in bulk, import pair lists.
MANAGE = "pairing.manage"
EXPORT = "pairing.export"

_STAFF = [Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.ORGANISATION_STAFF, Role.SYSTEM_ADMIN]

GRANTS: dict[str, list[Role]] = {
    # Visit notes name people and their troubles: the village's leaders and the staff above see them; grid workers
    # and cashiers see only pairs they are the visitor of.
    VIEW: [Role.VILLAGE_SECRETARY, Role.VILLAGE_COMMITTEE_MEMBER, Role.PARTY_GROUP_LEADER, *_STAFF],
    RECORD: [Role.VILLAGE_SECRETARY, *_STAFF],
    MANAGE: [Role.VILLAGE_SECRETARY, *_STAFF],
    EXPORT: [Role.VILLAGE_SECRETARY, *_STAFF],
}
