"""The volunteer demo on the test region: the centre, an institute per township and a station per village, points;
teams with registered volunteers (residents and party members, the README's two accounts); activities from three
months back to two weeks ahead with confirmed and pending hours, a no-show, an automatic checkout and a waiting
list; each volunteer's running total equal to their confirmed sign-ups; a second run changes nothing.

"""

from datetime import date, datetime, timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from grassroots.areas.models import Area, Level
from grassroots.claims.models import Claim
from grassroots.core.demo import COUNTY, SAIQIN
from grassroots.demands.demo import load_demo_demands
from grassroots.members.demo import load_demo_members
from grassroots.party.demo import load_demo_party
from grassroots.volunteers.demo import VOLUNTEER_ACCOUNTS, load_demo_volunteers
from grassroots.volunteers.models import (
    Activity,
    HoursClaim,
    HoursRule,
    SignUp,
    Site,
    Team,
    TeamMember,
    Volunteer,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 17)  # the demo's today: a Wednesday (its "now" is noon of that day)
NOW = timezone.make_aware(datetime(2026, 6, 17, 12))


def counts():
    return [m.objects.count() for m in (Site, Team, Volunteer, TeamMember, Activity, SignUp, HoursClaim, HoursRule)]


@pytest.fixture
def demo(homes, catalogue, system_actor, settings):
    load_demo_demands(actor=system_actor, count=0, progress=lambda *args: None)
    load_demo_party(actor=system_actor)
    load_demo_members(actor=system_actor)
    load_demo_volunteers(actor=system_actor, today=TODAY)
    return homes


def test_the_demo_loads_once_with_sites_teams_and_hours_to_show(demo, system_actor):
    first = counts()
    county = Area.objects.get(code=COUNTY)
    # A centre for the county, an institute in each township, a station in each village, and points.
    assert Site.objects.filter(level=Site.Level.CENTRE, area=county).count() == 1
    townships = Area.objects.filter(parent=county, level=Level.TOWNSHIP)
    villages = Area.objects.filter(parent__in=townships, level=Level.VILLAGE)
    assert townships.exists() and villages.exists()
    assert set(Site.objects.filter(level=Site.Level.INSTITUTE).values_list("area", flat=True)) == set(
        townships.values_list("pk", flat=True))
    assert set(Site.objects.filter(level=Site.Level.STATION).values_list("area", flat=True)) == set(
        villages.values_list("pk", flat=True))
    assert Site.objects.filter(level=Site.Level.POINT).count() == 2
    station = Site.objects.get(level=Site.Level.STATION, area__code=SAIQIN)
    assert station.parent.level == Site.Level.INSTITUTE and station.parent.parent.level == Site.Level.CENTRE

    # The teams: the station's two, the township's, a unit's; volunteers from residents and party members.
    names = set(Team.objects.values_list("name", flat=True))
    assert {"赛沁塔拉嘎查夕阳红服务队", "赛沁塔拉嘎查治安巡逻队", "乌丹镇理论宣讲队"} <= names
    assert Team.objects.filter(unit__isnull=False).exists()
    assert Volunteer.objects.filter(person__isnull=False).count() >= 5
    assert Volunteer.objects.filter(member__isnull=False).exists()
    sunset = Team.objects.get(name="赛沁塔拉嘎查夕阳红服务队")
    assert sunset.leader.user.username == "duizhang"
    volunteer = Volunteer.objects.get(user__username="zhiyuanzhe")
    assert TeamMember.objects.filter(team=sunset, volunteer=volunteer, left_on__isnull=True).exists()
    assert [u for u, *_ in VOLUNTEER_ACCOUNTS] == ["zhiyuanzhe", "duizhang"]

    # Activities from about three months back to two weeks ahead (besides the school-gate rota's, to the term's end).
    days = [a.starts_at for a in Activity.objects.filter(rota_turn__isnull=True)]
    assert min(days).date() <= TODAY - timedelta(days=80) and max(days).date() >= TODAY + timedelta(days=7)
    assert max(days).date() <= TODAY + timedelta(days=15)

    # Confirmed hours, pending ones (checked out, not confirmed), a no-show, an automatic checkout, a waiting list.
    signed = SignUp.objects.filter(status=SignUp.Status.SIGNED)
    assert signed.filter(confirmed_minutes__gt=0).count() >= 20
    assert signed.filter(checked_out_at__isnull=False, confirmed_minutes__isnull=True).exists()
    assert signed.filter(no_show=True).exists()
    assert signed.filter(auto_checkout=True).exists()
    assert SignUp.objects.filter(status=SignUp.Status.WAITING, activity__starts_at__gt=NOW).exists()
    assert not signed.filter(confirmed_minutes__isnull=False, activity__ends_at__gt=NOW).exists()
    assert signed.filter(activity__starts_at__gt=NOW, volunteer=volunteer).exists()

    # Every volunteer's running total is the sum of their confirmed sign-ups; some have hours, not all the same.
    totals = dict(SignUp.objects.filter(confirmed_minutes__gt=0).values("volunteer")
                  .annotate(t=Sum("confirmed_minutes")).values_list("volunteer", "t"))
    for v in Volunteer.objects.all():
        assert v.confirmed_minutes == totals.get(v.pk, 0), v.name
    assert len(set(totals.values())) > 3

    # 赛沁塔拉嘎查's hours rule: a per-hour rule of its own catalogue for residents and party members.
    rule = HoursRule.objects.get(village__code=SAIQIN).rule
    version = rule.versions.get()
    assert version.unit == "per_hour" and {"resident", "party_member"} <= set(version.categories)
    assert version.adoption is not None and version.in_force_on(TODAY - timedelta(days=100))

    load_demo_volunteers(actor=system_actor, today=TODAY)
    assert counts() == first


def test_the_demo_proposes_points_claims_from_confirmed_hours(demo):
    """The confirmed hours of 赛沁塔拉嘎查's residents proposed claims under the
    village's hours rule."""
    rule = HoursRule.objects.get(village__code=SAIQIN).rule
    assert HoursClaim.objects.filter(outcome=HoursClaim.Outcome.PROPOSED, claim__isnull=False).exists()
    assert Claim.objects.filter(volunteer_hours__isnull=False, rule_version__rule=rule).exists()
