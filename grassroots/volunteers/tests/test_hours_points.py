"""Section D: confirmed hours propose points claims into the village's normal review — once per sign-up, whole
hours with the month's remainder carried, clipped to the rule's cap — and the village's page to choose the rule."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse

from grassroots.audit.context import Actor
from grassroots.catalogue import services as catalogue_services
from grassroots.claims.models import Claim, ClaimStatus
from grassroots.volunteers import services
from grassroots.volunteers.models import HoursClaim, HoursRule, SignUp
from grassroots.volunteers.testing import local

TODAY = date(2026, 6, 20)


def as_user(user):
    return Actor(user=user, name=user.username)


@pytest.fixture
def hours_rule(volunteer_world, catalogue, system_actor, region):
    """志愿服务 +5 分/小时，每月上限 40, chosen by 赛沁塔拉嘎查."""
    version = catalogue_services.add_rule(actor=system_actor, rule_set=catalogue, code="F01", title="志愿服务",
                                          kind="incentive", categories=["resident", "party_member"], points=5,
                                          unit="per_hour", cap=40, cap_period="month", effective_from=date(2026, 1, 1))
    services.set_hours_rule(actor=system_actor, village=region["赛沁塔拉嘎查"], rule=version.rule)
    return version.rule


def serve(w, volunteer, day: tuple, minutes: int, *, confirm=True, title="走访独居老人") -> SignUp:
    """``volunteer`` serves an activity of the team on ``day`` (09:00–21:00); the leader confirms ``minutes``."""
    system = Actor.system("test")
    activity = services.create_activity(actor=system, team=w.team, title=title, place="赛沁塔拉嘎查一组",
                                        starts_at=local(*day, 9), ends_at=local(*day, 21), slots=5)
    signup = services.sign_up(actor=system, activity=activity, volunteer=volunteer, now=local(*day, 8))
    if confirm:
        services.confirm_hours(actor=as_user(w.leader.user), minutes_by_signup={signup.pk: minutes},
                               now=local(*day, 22))
    return SignUp.objects.get(pk=signup.pk)


def propose(**kw):
    return services.propose_hours_claims(actor=Actor.system("tasks:volunteer-hours"), today=kw.pop("today", TODAY), **kw)


def test_a_confirmed_hour_proposes_one_claim_once(volunteer_world, hours_rule, as_reader):
    w = volunteer_world
    signup = serve(w, w.volunteer, (2026, 6, 10), 120)
    unconfirmed = serve(w, w.volunteer, (2026, 6, 11), 0, confirm=False)

    assert propose(signup_ids=[signup.pk, unconfirmed.pk])["proposed"] == 1

    claim = Claim.objects.get()
    assert (claim.person, claim.quantity, claim.points, claim.deed_date) == (w.volunteer.person, 2, 10, date(2026, 6, 10))
    assert claim.status == ClaimStatus.IN_REVIEW and claim.stage == 0
    assert claim.recorder == w.leader.user  # the leader who confirmed, though they hold no role on the village
    assert "走访独居老人" in claim.note and "王建国确认" in claim.note
    assert signup.hours_claim.outcome == HoursClaim.Outcome.PROPOSED and signup.hours_claim.claim == claim
    assert not HoursClaim.objects.filter(signup=unconfirmed).exists()  # unconfirmed hours propose nothing
    # The claim waits in the village's normal review: the party group leader's queue (stage 0).
    queue = as_reader.get(reverse("points-review")).content.decode()
    assert "走访独居老人" in queue
    # with the activity as its evidence, one tap away
    assert f'href="{reverse("volunteers-activity", args=[signup.activity_id])}" data-testid="volunteer-evidence"' in queue

    # Rerun the job, the sweep and the targeted one: no second claim.
    assert propose()["proposed"] == 0
    assert propose(signup_ids=[signup.pk])["proposed"] == 0
    assert Claim.objects.count() == 1 and HoursClaim.objects.count() == 1


def test_fractions_carry_within_the_month(volunteer_world, hours_rule):
    w = volunteer_world
    first = serve(w, w.volunteer, (2026, 6, 10), 90)
    propose()
    second = serve(w, w.volunteer, (2026, 6, 12), 90)
    propose()
    half = serve(w, w.volunteer, (2026, 6, 14), 30)
    propose()

    first.refresh_from_db(), second.refresh_from_db(), half.refresh_from_db()
    assert (first.hours_claim.hours, second.hours_claim.hours) == (1, 2)  # 1.5 h + 1.5 h = 3 h
    assert half.hours_claim.outcome == HoursClaim.Outcome.CARRIED and half.hours_claim.claim is None
    assert sum(Claim.objects.values_list("quantity", flat=True)) == 3
    # A new month starts without a remainder: 30 minutes in July are not an hour.
    july = serve(w, w.volunteer, (2026, 7, 1), 30)
    propose(today=date(2026, 7, 2))
    assert HoursClaim.objects.get(signup=july).outcome == HoursClaim.Outcome.CARRIED


def test_the_cap_clips_the_hours_and_then_refuses(volunteer_world, hours_rule):
    w = volunteer_world
    serve(w, w.volunteer, (2026, 6, 10), 6 * 60)  # 30 points
    four = serve(w, w.volunteer, (2026, 6, 11), 4 * 60)  # 20 more would pass 40: only 2 hours fit
    one = serve(w, w.volunteer, (2026, 6, 12), 60)
    propose()

    assert HoursClaim.objects.get(signup=four).hours == 2
    assert Claim.objects.get(volunteer_hours__signup=four).points == 10
    assert "封顶后计2小时" in Claim.objects.get(volunteer_hours__signup=four).note
    assert HoursClaim.objects.get(signup=one).outcome == HoursClaim.Outcome.CAPPED
    assert sum(Claim.objects.values_list("points", flat=True)) == 40
    # A rejected claim gives its room back (the claims' cap counts live claims only): July is a new month anyway.
    july = serve(w, w.volunteer, (2026, 7, 1), 60)
    propose(today=date(2026, 7, 2))
    assert HoursClaim.objects.get(signup=july).outcome == HoursClaim.Outcome.PROPOSED


def test_outcomes_say_why_no_claim(volunteer_world, hours_rule, rules, region, system_actor):
    w = volunteer_world
    old = serve(w, w.volunteer, (2026, 6, 10), 60)
    assert propose(today=date(2026, 9, 20))["too_old"] == 1  # more than 92 days before the run
    assert HoursClaim.objects.get(signup=old).outcome == HoursClaim.Outcome.TOO_OLD

    stranger = serve(w, w.stranger, (2026, 6, 10), 60)  # lives in 官井子村, which has no rule
    nobody = services.register_volunteer(actor=system_actor, name="赵临时", area=region["赛沁塔拉嘎查"], consent=True)
    unregistered = serve(w, nobody, (2026, 6, 10), 60)
    propose()
    assert HoursClaim.objects.get(signup=stranger).outcome == HoursClaim.Outcome.NO_RULE
    assert HoursClaim.objects.get(signup=unregistered).outcome == HoursClaim.Outcome.NOT_RESIDENT

    # 党员志愿服务 (D02) is for party members: 张秀兰 is not one.
    services.set_hours_rule(actor=system_actor, village=region["赛沁塔拉嘎查"], rule=rules["D02"])
    resident = serve(w, w.volunteer, (2026, 6, 11), 60)
    propose()
    assert HoursClaim.objects.get(signup=resident).outcome == HoursClaim.Outcome.NOT_APPLICABLE
    assert not Claim.objects.exists()


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_propose_once(pg, volunteer_world, hours_rule):
    w = volunteer_world
    ids = [serve(w, w.volunteer, (2026, 6, d), 60).pk for d in (10, 11, 12)]
    barrier, results, errors = threading.Barrier(2), [], []

    def run():
        try:
            barrier.wait()
            results.append(propose(signup_ids=ids))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r["proposed"] for r in results) == 3
    assert Claim.objects.count() == 3 and HoursClaim.objects.count() == 3


def test_the_rule_must_be_a_per_hour_rule_of_the_village(volunteer_world, rules, region, secretary, reader,
                                                        outsider, system_actor):
    village = region["赛沁塔拉嘎查"]
    with pytest.raises(ValidationError, match="按小时计分"):
        services.set_hours_rule(actor=as_user(secretary), village=village, rule=rules["A01"])
    services.set_hours_rule(actor=as_user(secretary), village=village, rule=rules["D02"])
    assert HoursRule.objects.get(village=village).rule == rules["D02"]
    with pytest.raises(PermissionDenied):
        services.set_hours_rule(actor=as_user(reader), village=village, rule=None)
    with pytest.raises(Http404):
        services.set_hours_rule(actor=as_user(outsider), village=village, rule=None)
    services.set_hours_rule(actor=as_user(secretary), village=village, rule=None)
    assert not HoursRule.objects.exists()


def test_the_hours_rule_page(volunteer_world, hours_rule, rules, region, as_secretary, as_reader, as_insider,
                             as_outsider, as_leader, django_assert_max_num_queries):
    w = volunteer_world
    for day in (10, 11, 12):
        serve(w, w.volunteer, (2026, 6, day), 6 * 60)
    serve(w, w.stranger, (2026, 6, 10), 60)
    propose()
    url = reverse("volunteers-hours-rule", args=[region["赛沁塔拉嘎查"].code]) + "?month=2026-06"

    with django_assert_max_num_queries(20):
        page = as_secretary.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "F01 志愿服务" in text and "已提交积分审核" in text and "已达封顶，未提交" in text
    assert "单国强" not in text  # he lives in 官井子村: his outcome is not this village's
    assert as_reader.get(url).status_code == 200
    assert as_insider.get(url).status_code == 404  # a grid worker holds no volunteers.view
    assert as_outsider.get(url).status_code == 404
    assert as_leader.get(url).status_code == 404

    assert as_reader.post(url, {"rule": rules["D02"].pk}).status_code == 403
    assert as_insider.post(url, {"rule": rules["D02"].pk}).status_code == 404
    assert as_outsider.post(url, {"rule": rules["D02"].pk}).status_code == 404
    assert as_secretary.post(url, {"rule": rules["D02"].pk}).status_code == 302
    assert HoursRule.objects.get().rule == rules["D02"]
    assert as_secretary.post(url, {"rule": ""}).status_code == 302
    assert not HoursRule.objects.exists()


def test_hours_a_job_confirmed_are_recorded_by_the_system_account(volunteer_world, hours_rule):
    w = volunteer_world
    activity = services.create_activity(actor=Actor.system("test"), team=w.team, title="植树", place="北山",
                                        starts_at=local(2026, 6, 10, 9), ends_at=local(2026, 6, 10, 12), slots=5)
    signup = services.sign_up(actor=Actor.system("test"), activity=activity, volunteer=w.volunteer,
                              now=local(2026, 6, 10, 8))
    services.confirm_hours(actor=Actor.system("import"), minutes_by_signup={signup.pk: 180},
                           now=local(2026, 6, 10, 13))
    propose()
    claim = Claim.objects.get()
    assert claim.recorder.username == "volunteer-hours" and not claim.recorder.is_active
    assert claim.quantity == 3 and "系统确认" in claim.note
