"""What every app's tests share besides fixtures: the test accounts' password, making an account with one
role, a client signed in as a user. (grassroots/conftest.py imports this module before Django's app
registry is ready, so it imports nothing that loads models at the top.)"""

from django.test import Client

from grassroots.rules.divisions import Division

PASSWORD = "Grass#2026"

# The small region every test builds: one banner, two townships, a village in each.
DIVISIONS = [
    Division("150000000000", "内蒙古自治区", "region", ""),
    Division("150400000000", "赤峰市", "prefecture", "150000000000"),
    Division("150426000000", "翁牛特旗", "county", "150400000000"),
    Division("150426100000", "乌丹镇", "township", "150426000000"),
    Division("150426100223", "赛沁塔拉嘎查", "village", "150426100000"),
    Division("150426104000", "广德公镇", "township", "150426000000"),
    Division("150426104204", "官井子村", "village", "150426104000"),
]


def make_account(username: str, role: str, area, system_actor):
    """An account holding ``role`` on ``area``, created through the service as the system."""
    # access.services loads models: only once the app registry is ready (see the module docstring).
    from grassroots.access import services  # noqa: PLC0415

    return services.create_account(actor=system_actor, username=username, password=PASSWORD,
                                   display_name=username, roles=[(role, area)])


def client_for(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
