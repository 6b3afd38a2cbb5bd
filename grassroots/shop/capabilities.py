"""The love supermarket's capabilities and who holds them."""

from grassroots.rules.roles import Role

VIEW = "shop.view"
REDEEM = "shop.redeem"
MANAGE = "shop.manage"
VOID = "shop.void"

GRANTS: dict[str, list[Role]] = {
    VIEW: [Role.CASHIER, Role.GRID_WORKER, Role.PARTY_GROUP_LEADER, Role.VILLAGE_COMMITTEE_MEMBER,
           Role.VILLAGE_SECRETARY, Role.TOWNSHIP_STAFF, Role.COUNTY_STAFF, Role.SYSTEM_ADMIN],
    REDEEM: [Role.CASHIER, Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
    # Products, stock in, stocktakes and household cards.
    MANAGE: [Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
    # The supervisor who may void a same-day redemption.
    VOID: [Role.VILLAGE_COMMITTEE_MEMBER, Role.VILLAGE_SECRETARY],
}

