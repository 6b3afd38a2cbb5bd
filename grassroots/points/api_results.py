"""Points II through the API: balances, statements, settlements, annual results, credit look-ups."""

from ninja import Router

router = Router(tags=["积分结果"])
