"""双报到: an in-service member's confirmed hours count for the work unit's organisation and for the home community,
and once at any level holding both; the home report shows the hours from the dated sign-ups."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from grassroots.audit.context import Actor
from grassroots.core.testing import client_for
from grassroots.members import services as member_services
from grassroots.members.models import HomeReport
from grassroots.volunteers import selectors, services
from grassroots.volunteers.testing import local

JUNE = (date(2026, 6, 1), date(2026, 6, 30))


@pytest.fixture
def reported(party_world, volunteer_world, region, system_actor):
    """高志远 of 旗教育局's branch reports home to 赛沁塔拉嘎查's branch and volunteers there (registered by member)."""
    gao = party_world.members["高志远"]
    report = member_services.start_home_report(actor=system_actor, member=gao, organisation=party_world.saiqin,
                                               started_on=date(2026, 5, 1), service="走访独居老人")
    volunteer = services.register_volunteer(actor=system_actor, name="高志远", area=region["赛沁塔拉嘎查"],
                                            consent=True, member=gao)
    return report, volunteer


def serve(w, volunteer, day, minutes, *, area=None, confirm=True):
    system = Actor.system("test")
    team = w.team if area is None else services.create_team(actor=system, name="翁牛特旗志愿服务总队", site=w.centre,
                                                            specialty="other")
    activity = services.create_activity(actor=system, team=team, title="走访独居老人", place="一组",
                                        starts_at=local(*day, 9), ends_at=local(*day, 21), slots=5, area=area)
    signup = services.sign_up(actor=system, activity=activity, volunteer=volunteer, now=local(*day, 8))
    if confirm:
        confirmer = Actor(user=w.leader.user, name="leader") if area is None else system
        services.confirm_hours(actor=confirmer, minutes_by_signup={signup.pk: minutes}, now=local(*day, 22))
    return signup


def test_a_unit_members_hours_count_for_the_unit_and_the_home_but_once_above(party_world, volunteer_world, region,
                                                                             reported):
    w, (report, gao) = volunteer_world, reported
    serve(w, gao, (2026, 6, 10), 180)
    serve(w, gao, (2026, 6, 11), 120, confirm=False)  # unconfirmed: counts nowhere

    assert selectors.service_hours(party_world.unit, JUNE) == Decimal("3.0")  # the work unit
    assert selectors.service_hours(party_world.saiqin, JUNE) == Decimal("3.0")  # the home community
    assert selectors.service_hours(party_world.county, JUNE) == Decimal("3.0")  # holds both: 3, not 6
    assert selectors.service_hours(party_world.wudan, JUNE) == Decimal("3.0")
    assert selectors.service_hours(party_world.guanjing, JUNE) == 0
    assert selectors.service_hours(region["翁牛特旗"], JUNE) == Decimal("3.0")
    assert selectors.service_hours(region["赛沁塔拉嘎查"], JUNE) == Decimal("3.0")
    assert selectors.service_hours(region["官井子村"], JUNE) == 0
    assert selectors.service_hours(party_world.unit, (date(2026, 7, 1), date(2026, 7, 31))) == 0

    [row] = selectors.home_reports_with_hours(HomeReport.objects.filter(pk=report.pk))
    assert row.served_minutes == 180 and row.total_hours == Decimal("3.0")


def test_only_home_service_within_the_report_counts_for_the_home(party_world, volunteer_world, region, reported,
                                                                 system_actor):
    w, (report, gao) = volunteer_world, reported
    serve(w, gao, (2026, 4, 20), 60)  # before the report started: the unit's, not the home's
    serve(w, gao, (2026, 6, 10), 60, area=region["官井子村"])  # served elsewhere: not the home's
    serve(w, w.volunteer, (2026, 6, 10), 120)  # a resident, not a member: the village's, no organisation's
    april_june = (date(2026, 4, 1), date(2026, 6, 30))

    assert selectors.service_hours(party_world.unit, april_june) == Decimal("2.0")
    assert selectors.service_hours(party_world.saiqin, april_june) == 0
    assert selectors.service_hours(region["赛沁塔拉嘎查"], april_june) == Decimal("3.0")  # 1 h of 高志远 + 2 h
    assert selectors.service_hours(party_world.county, april_june) == Decimal("2.0")
    [row] = selectors.home_reports_with_hours(HomeReport.objects.filter(pk=report.pk))
    assert row.total_hours == 0


def test_the_members_pages_show_the_derived_hours(party_world, volunteer_world, reported, org_staff, system_actor):
    w, (report, gao) = volunteer_world, reported
    serve(w, gao, (2026, 6, 10), 90)
    member_services.add_home_report_hours(actor=system_actor, report=report, hours=Decimal("2"))  # by hand
    client = client_for(org_staff)
    page = client.get(reverse("members-home-reports") + "?day=2026-06-20")
    assert page.status_code == 200
    assert "3.5" in page.content.decode()  # 2 by hand + 1.5 confirmed
    member_page = client.get(reverse("members-member", args=[party_world.members["高志远"].pk]))
    assert member_page.status_code == 200 and "3.5 小时" in member_page.content.decode()
