"""点单—派单—接单—评单 through the demands lifecycle: a village's MANAGE dispatches an open 微心愿 to a team, the team's
leader accepts (the wish's claim, with the leader's account) or declines, marks it done (the claim fulfilled), and the
resident rates it on the demand's own feedback. Scoped: insider, read-only, outsider, another team's leader."""

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from grassroots.audit.context import Actor
from grassroots.demands import services as demand_services
from grassroots.demands.models import Demand, WishClaim
from grassroots.volunteers import services
from grassroots.volunteers.models import Activity, Dispatch, Team


def as_user(user):
    return Actor(user=user, name=user.username)


@pytest.fixture
def wish(make_demand):
    return make_demand("独居老人王奶奶希望有人帮忙修好院门", kind="wish", category=None, channel="grid_worker")


@pytest.fixture
def other_team(volunteer_world, system_actor):
    """A second team of the station, led by 单国强 (account ``stranger``)."""
    return services.create_team(actor=system_actor, name="赛沁塔拉嘎查治安巡逻队", site=volunteer_world.station,
                                specialty=Team.Specialty.PATROL, leader=volunteer_world.stranger)


def test_dispatch_accept_done_rate(volunteer_world, wish, secretary, as_secretary, as_leader):
    w = volunteer_world
    page = reverse("volunteers-wish-dispatch", args=[wish.pk])
    assert w.team.name in as_secretary.get(page).content.decode()
    form = as_secretary.get(page).context["form"]
    response = as_secretary.post(page, {"team": w.team.pk, "note": "请本周内上门",
                                        "idempotency_key": form.initial["idempotency_key"]})
    assert response.status_code == 302
    as_secretary.post(page, {"team": w.team.pk, "idempotency_key": form.initial["idempotency_key"]})  # sent twice
    dispatch = Dispatch.objects.get()
    assert (dispatch.team, dispatch.status, dispatch.dispatched_by) == (w.team, "dispatched", secretary)

    queue = as_leader.get(reverse("volunteers-dispatches"))
    assert queue.status_code == 200 and "修好院门" in queue.content.decode()

    key = queue.context["accept_form"].initial["idempotency_key"]
    response = as_leader.post(reverse("volunteers-dispatch-accept", args=[dispatch.pk]), {
        "idempotency_key": f"{key}-{dispatch.pk}", "with_activity": "on", "place": "王奶奶家",
        "starts_at": "2026-12-12T09:00", "ends_at": "2026-12-12T11:00", "slots": "3"})
    assert response.status_code == 302
    dispatch.refresh_from_db()
    wish.refresh_from_db()
    assert dispatch.status == Dispatch.Status.ACCEPTED
    assert wish.status == Demand.Status.IN_PROGRESS
    claim = dispatch.wish_claim
    assert claim.user == w.leader.user and claim.status == WishClaim.Status.HELD  # the demand's own claim
    activity = Activity.objects.get(demand=wish)
    assert activity.team == w.team and activity.slots == 3 and "修好院门" in activity.title

    response = as_leader.post(reverse("volunteers-dispatch-done", args=[dispatch.pk]), {"note": "院门已修好"})
    assert response.status_code == 302
    wish.refresh_from_db()
    assert wish.status == Demand.Status.RESOLVED and wish.resolution == "院门已修好"

    demand_services.rate(actor=Actor(user=None, name="public"), demand=wish, rating=5, comment="谢谢志愿者")
    wish.refresh_from_db()
    assert wish.status == Demand.Status.CLOSED and wish.rating == 5  # satisfied: rated and closed
    assert "群众评价：5 分" in as_leader.get(reverse("volunteers-dispatches")).content.decode()


def test_decline_frees_the_wish_for_another_team(volunteer_world, wish, other_team, secretary):
    w = volunteer_world
    dispatch = services.dispatch_wish(actor=as_user(secretary), demand=wish, team=w.team)
    with pytest.raises(ValidationError, match="已派给赛沁塔拉嘎查夕阳红服务队"):
        services.dispatch_wish(actor=as_user(secretary), demand=wish, team=other_team)
    with pytest.raises(ValidationError, match="婉拒原因"):
        services.decline_dispatch(actor=as_user(w.leader.user), dispatch=dispatch, reason=" ")
    services.decline_dispatch(actor=as_user(w.leader.user), dispatch=dispatch, reason="本周队员外出")
    with pytest.raises(ValidationError, match="已婉拒"):
        services.accept_dispatch(actor=as_user(w.leader.user), dispatch=dispatch)
    again = services.dispatch_wish(actor=as_user(secretary), demand=wish, team=other_team)
    services.accept_dispatch(actor=as_user(w.stranger.user), dispatch=again)
    wish.refresh_from_db()
    assert wish.status == Demand.Status.IN_PROGRESS
    with pytest.raises(ValidationError, match="已被认领"):  # claimed: no further dispatch
        services.dispatch_wish(actor=as_user(secretary), demand=wish, team=w.team)


def test_only_wishes_and_only_local_teams(volunteer_world, make_demand, wish, region, secretary, system_actor):
    w = volunteer_world
    demand = make_demand()  # an ordinary demand: routed to a unit, not a wish
    with pytest.raises(ValidationError, match="只有微心愿"):
        services.dispatch_wish(actor=as_user(secretary), demand=demand, team=w.team)
    far = make_demand("希望有人教用智能手机", kind="wish", category=None, area="官井子村")
    with pytest.raises(ValidationError, match="不服务官井子村"):
        services.dispatch_wish(actor=system_actor, demand=far, team=w.team)


def test_a_units_team_claims_for_the_unit(volunteer_world, wish, units, secretary, system_actor):
    team = services.create_team(actor=system_actor, name="旗农牧局志愿服务队", unit=units["nmj"],
                                area=volunteer_world.team.area, leader=volunteer_world.leader)
    dispatch = services.dispatch_wish(actor=as_user(secretary), demand=wish, team=team)
    dispatch = services.accept_dispatch(actor=as_user(volunteer_world.leader.user), dispatch=dispatch)
    assert dispatch.wish_claim.unit == units["nmj"] and dispatch.wish_claim.claimant_name == "旗农牧局"


def test_scoped(volunteer_world, wish, other_team, secretary, as_insider, as_reader, as_outsider, as_stranger,
                as_leader, as_volunteer, reader, django_assert_max_num_queries):
    w = volunteer_world
    page = reverse("volunteers-wish-dispatch", args=[wish.pk])
    assert as_insider.get(page).status_code == 404  # a grid worker holds no volunteers.view
    assert as_reader.get(page).status_code == 200
    assert as_outsider.get(page).status_code == 404
    assert as_leader.get(page).status_code == 404  # a leader holds no role on the area
    for client, status in ((as_insider, 404), (as_reader, 403), (as_outsider, 404)):
        assert client.post(page, {"team": w.team.pk, "idempotency_key": "k"}).status_code == status
    assert not Dispatch.objects.exists()

    dispatch = services.dispatch_wish(actor=as_user(secretary), demand=wish, team=w.team)
    accept = reverse("volunteers-dispatch-accept", args=[dispatch.pk])
    assert as_stranger.post(accept, {"idempotency_key": "a"}).status_code == 404  # another team's leader
    assert "修好院门" not in as_stranger.get(reverse("volunteers-dispatches")).content.decode()
    assert as_reader.post(accept, {"idempotency_key": "b"}).status_code == 403  # sees the team, does not lead it
    assert as_outsider.post(accept, {"idempotency_key": "c"}).status_code == 404
    assert as_volunteer.post(reverse("volunteers-dispatch-decline", args=[dispatch.pk]),
                             {"reason": "x"}).status_code == 404  # a member of the team is not its leader
    with pytest.raises(Http404):
        services.decline_dispatch(actor=as_user(w.stranger.user), dispatch=dispatch, reason="不是我的")
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.DISPATCHED

    # The leader's queue: constant queries over several dispatches.
    now = timezone.make_aware(datetime(2026, 12, 1, 9))
    for n in range(4):
        other = Demand.objects.create(kind="wish", text=f"心愿{n}", area=wish.area, path=wish.path,
                                      channel=wish.channel, tracking_code=f"W{n:05d}", status="received",
                                      created_at=now)
        services.dispatch_wish(actor=as_user(secretary), demand=other, team=w.team)
    with django_assert_max_num_queries(12):
        response = as_leader.get(reverse("volunteers-dispatches"))
    assert response.content.decode().count('aria-label="接单"') == 5
