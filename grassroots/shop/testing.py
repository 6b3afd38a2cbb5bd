"""What the love supermarket's tests share besides fixtures: the exchange day they redeem on, an actor for a
user, a settled quarter. ``give`` (a posted score entry) is points.testing's."""

from datetime import datetime

from grassroots.audit.context import Actor
from grassroots.points.testing import APRIL, TZ
from grassroots.settlement import services as settlement_services

EXCHANGE_DAY = datetime(2026, 4, 10, 9, 30, tzinfo=TZ)  # 季度兑换会: the day the tests redeem on


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


def at(y, m, d, hour=10):
    return datetime(y, m, d, hour, 0, tzinfo=TZ)


def settle(village, year=2026, quarter=1, now=APRIL):
    system = Actor.system("test")
    draft = settlement_services.compute_settlement(actor=system, village=village, year=year, quarter=quarter, now=now)
    return settlement_services.publish_settlement(actor=system, settlement=draft, now=now)
