from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from grassroots.audit.context import Actor


@pytest.fixture
def catalogue(region, system_actor):
    from grassroots.points.demo import load_seed_rules

    return load_seed_rules(actor=system_actor, village=region["赛沁塔拉嘎查"], county=region["翁牛特旗"])


@pytest.fixture
def rules(catalogue):
    return {r.code: r for r in catalogue.rules.all()}


@pytest.fixture
def people(households):
    from grassroots.areas.models import Person

    return {p.name: p for p in Person.objects.all()}


def actor(user):
    return Actor(user=user, name=user.username, ip="127.0.0.1")


# ---------------------------------------------------------------- Points II: a village with a ledger

TZ = ZoneInfo("Asia/Shanghai")
APRIL = datetime(2026, 4, 3, 10, 0, tzinfo=TZ)  # Q1 2026 has ended


def at(y, m, d):
    return datetime(y, m, d, 10, 0, tzinfo=TZ)


def give(home, points, day, rule=None, key=None):
    """A posted score entry (what the notice job writes), so each test states its ledger directly."""
    from django.db import transaction

    from grassroots.points import services
    from grassroots.points.models import Account, EntryKind, LedgerEntry

    version = rule.versions.order_by("-version").first() if rule else None
    kind = EntryKind.AWARD if points > 0 else EntryKind.DEDUCTION
    with transaction.atomic():
        [entry] = services.append_entries(village=home.village, entries=[LedgerEntry(
            village=home.village, path=home.path, household=home, account=Account.SCORE, kind=kind, points=points,
            rule_version=version, occurred_on=day, posted_at=at(day.year, day.month, day.day),
            idempotency_key=key or f"test:{home.pk}:{day}:{points}:{LedgerEntry.objects.count()}")])
    return entry


def settle(village, secretary, year=2026, quarter=1, now=APRIL):
    """Compute and publish a quarter as the village's secretary."""
    from grassroots.points import services

    draft = services.compute_settlement(actor=actor(secretary), village=village, year=year, quarter=quarter, now=now)
    return services.publish_settlement(actor=actor(secretary), settlement=draft, now=now)


@pytest.fixture
def coop(region):
    """The banner's rural credit co-operative (a unit whose staff may look up consenting households)."""
    from grassroots.demands.models import Unit

    county = region["翁牛特旗"]
    return Unit.objects.create(code="nxs", name="翁牛特旗农村信用合作联社", kind="other", area=county, path=county.path)


@pytest.fixture
def officer(coop, system_actor):
    """A credit co-operative's loan officer: no role on any area, a member of the co-operative."""
    from grassroots.access.services import create_account
    from grassroots.demands.models import UnitMember

    user = create_account(actor=system_actor, username="xinyong", password="Demo#2026x", display_name="信贷员",
                          roles=[])
    UnitMember.objects.create(unit=coop, user=user)
    return user
