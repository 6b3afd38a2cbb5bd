"""Routing by the responsibility list, rerouting, the lifecycle, escalation, claims and the tick."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.demands import services
from grassroots.demands.models import Demand, DemandEvent, Notification, RouteChange, WishClaim
from grassroots.demands.testing import at

Status = Demand.Status


def kinds(demand):
    return list(demand.events.order_by("at", "id").values_list("kind", flat=True))


def test_routed_by_the_responsibility_list_lead_and_supporting(make_demand, units):
    demand = make_demand(category="seeds")
    assert demand.lead_unit == units["nmj"]
    assert set(demand.supporting_units.all()) == {units["gxs"]}
    assert demand.responsibility.item_number == "001"
    assert demand.status == Status.RECEIVED
    assert kinds(demand) == ["received", "routed"]
    assert Notification.objects.filter(unit=units["nmj"], demand=demand, kind="dispatched").exists()
    assert AuditEntry.objects.filter(action="demands.create", object_id=str(demand.pk)).exists()
    assert demand.township.name == "乌丹镇" and demand.county.name == "翁牛特旗"


def test_most_specific_category_then_nearest_area_wins(make_demand, units):
    # 农牧业生产 in 乌丹镇 has its own line; 种子化肥 (more specific) still goes to the banner bureau.
    assert make_demand(category="agri").lead_unit == units["wd-nyzx"]
    assert make_demand(category="seeds").lead_unit == units["nmj"]
    # In 广德公镇 no line for 农牧业生产: nothing routes it, a dispatcher will.
    unrouted = make_demand(category="agri", area="官井子村1")
    assert unrouted.lead_unit is None
    assert kinds(unrouted) == ["received"]
    # A child category falls back to its parent's line: 道路 → 基础设施 → 旗交通运输局.
    assert make_demand(category="roads").lead_unit == units["jtj"]


def test_a_changed_route_is_recorded_with_its_reason(make_demand, units, secretary, categories):
    demand = make_demand(category="seeds")
    change = services.change_route(actor=Actor.system("t", user=secretary), demand=demand, lead_unit=units["jyzx"],
                                   supporting_units=[units["nmj"]], category=categories["jobs"],
                                   reason="实为返乡青年创业贷款咨询，转就业服务中心")
    demand.refresh_from_db()
    assert demand.lead_unit == units["jyzx"] and demand.category == categories["jobs"]
    assert set(demand.supporting_units.all()) == {units["nmj"]}
    assert change.from_unit == units["nmj"] and change.to_unit == units["jyzx"]
    assert change.reason.startswith("实为返乡") and change.changed_by == secretary
    assert RouteChange.objects.filter(demand=demand).count() == 1
    assert kinds(demand)[-2:] == ["rerouted", "note"]
    assert not demand.events.get(kind="note").public  # the reason is internal
    with pytest.raises(ValidationError, match="改派理由"):
        services.change_route(actor=Actor.system("t"), demand=demand, lead_unit=units["nmj"], reason="  ")


def test_lifecycle_to_a_satisfied_close(make_demand, system_actor):
    demand = make_demand(now=at(2026, 10, 12, 9))
    services.handle(actor=system_actor, demand=demand, action="consult", note="约牧户议事", now=at(2026, 10, 12, 15))
    services.handle(actor=system_actor, demand=demand, action="accept", now=at(2026, 10, 13, 9))
    services.handle(actor=system_actor, demand=demand, action="resolve", note="种子化肥已送到", now=at(2026, 10, 14, 9))
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED and demand.responded_at == at(2026, 10, 12, 15)
    services.rate(actor=system_actor, demand=demand, rating=5, comment="很及时")
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.rating == 5
    assert kinds(demand) == ["received", "routed", "consulting", "accepted", "resolved", "feedback", "closed"]
    with pytest.raises(ValidationError, match="状态"):
        services.rate(actor=system_actor, demand=demand, rating=4)


def test_a_dissatisfied_rating_reopens(make_demand, system_actor, units):
    demand = make_demand(now=at(2026, 10, 12, 9))
    services.handle(actor=system_actor, demand=demand, action="resolve", note="已联系", now=at(2026, 10, 13, 9))
    services.rate(actor=system_actor, demand=demand, rating=2, comment="化肥还没到", now=at(2026, 10, 14, 9))
    demand.refresh_from_db()
    assert demand.status == Status.IN_PROGRESS
    assert demand.reopen_count == 1 and demand.rating == 2 and demand.resolved_at is None
    # A new resolve clock from the reopening: 5 working days of 种子化肥 from Wednesday 10-14 → 10-21.
    assert demand.resolve_due.date().isoformat() == "2026-10-21"
    assert demand.due_at == demand.resolve_due
    assert kinds(demand)[-2:] == ["feedback", "reopened"]
    assert Notification.objects.filter(unit=units["nmj"], kind="reopened").exists()
    with pytest.raises(ValidationError, match="满意度"):
        services.handle(actor=system_actor, demand=demand, action="resolve", note="再次送达", now=at(2026, 10, 15))
        demand.refresh_from_db()
        services.rate(actor=system_actor, demand=demand, rating=9)


def test_escalation_across_a_weekend_and_national_day(make_demand, responsibilities, units):
    # Received Wednesday 2026-09-30; 种子化肥 resolves in 5 working days: 10-08, 09, 10 (Saturday worked), 12, 13.
    demand = make_demand(now=at(2026, 9, 30, 10))
    assert demand.respond_due.date().isoformat() == "2026-10-08"  # National Day 10-01..07 does not count
    services.handle(actor=services.Actor.system("t"), demand=demand, action="accept", now=at(2026, 10, 8, 9))
    demand.refresh_from_db()
    assert demand.resolve_due.date().isoformat() == "2026-10-13"
    assert demand.due_at == demand.resolve_due

    def tick(when):
        call_command("demands_tick", now=when.isoformat())
        demand.refresh_from_db()
        return demand.escalation_level

    assert tick(at(2026, 10, 13, 20)) == 0
    assert tick(at(2026, 10, 14, 9)) == Demand.Escalation.TOWNSHIP
    assert tick(at(2026, 10, 17, 12)) == Demand.Escalation.TOWNSHIP  # Saturday: still 14, 15, 16
    assert tick(at(2026, 10, 18, 12)) == Demand.Escalation.TOWNSHIP  # Sunday
    assert tick(at(2026, 10, 19, 9)) == Demand.Escalation.COUNTY  # Monday: the 4th working day late
    events = list(demand.events.filter(kind="escalated").values_list("note", flat=True))
    assert events == ["超过办结时限，乌丹镇督办", "超过办结时限，翁牛特旗督办"]
    assert Notification.objects.filter(kind="escalated", area__name="乌丹镇", demand=demand).exists()
    assert Notification.objects.filter(kind="escalated", area__name="翁牛特旗", demand=demand).exists()
    assert tick(at(2026, 10, 26, 9)) == Demand.Escalation.COUNTY
    assert demand.events.filter(kind="escalated").count() == 2  # a second run changes nothing


def test_an_unanswered_demand_escalates_on_its_response_deadline(make_demand):
    demand = make_demand(now=at(2026, 10, 16, 17))  # Friday evening → respond by the end of Monday
    call_command("demands_tick", now=at(2026, 10, 18, 23).isoformat())
    demand.refresh_from_db()
    assert demand.escalation_level == 0
    call_command("demands_tick", now=at(2026, 10, 20, 8).isoformat())
    demand.refresh_from_db()
    assert demand.escalation_level == Demand.Escalation.TOWNSHIP
    assert demand.events.get(kind="escalated").note == "超过响应时限，乌丹镇督办"


def test_a_claim_is_held_reminded_and_lapses(make_demand, insider, reader):
    wish = make_demand("想给孙子买一个书包", kind="wish", category="wish-life", now=at(2026, 10, 12, 9))
    assert wish.lead_unit is None and wish.due_at is None
    claim = services.claim_wish(actor=Actor.system("t", user=insider), demand=wish, now=at(2026, 10, 12, 10))
    assert claim.expires_at == at(2026, 10, 15, 10)
    with pytest.raises(ValidationError, match="已被认领"):
        services.claim_wish(actor=Actor.system("t", user=reader), demand=wish, now=at(2026, 10, 12, 11))

    call_command("demands_tick", now=at(2026, 10, 14, 9).isoformat())  # more than a day left: nothing
    claim.refresh_from_db()
    assert claim.reminded_at is None
    call_command("demands_tick", now=at(2026, 10, 14, 11).isoformat())
    claim.refresh_from_db()
    assert claim.reminded_at == at(2026, 10, 14, 11)
    assert Notification.objects.filter(user=insider, kind="claim_reminder").count() == 1
    call_command("demands_tick", now=at(2026, 10, 14, 12).isoformat())
    assert Notification.objects.filter(user=insider, kind="claim_reminder").count() == 1  # once

    call_command("demands_tick", now=at(2026, 10, 15, 10, 1).isoformat())
    claim.refresh_from_db()
    wish.refresh_from_db()
    assert claim.status == WishClaim.Status.LAPSED
    assert wish.status == Status.RECEIVED  # back on the board
    assert Notification.objects.filter(user=insider, kind="claim_lapsed").exists()
    # Another member may claim it now; the history keeps both.
    services.claim_wish(actor=Actor.system("t", user=reader), demand=wish, now=at(2026, 10, 15, 11))
    assert list(wish.claims.order_by("claimed_at").values_list("status", flat=True)) == ["lapsed", "held"]


def test_a_fulfilled_wish_is_rated_and_closed(make_demand, insider, system_actor):
    wish = make_demand("想要一副老花镜", kind="wish", category="wish-life")
    claim = services.claim_wish(actor=Actor.system("t", user=insider), demand=wish)
    services.fulfil_claim(actor=Actor.system("t", user=insider), claim=claim, note="已送老花镜上门")
    wish.refresh_from_db()
    assert wish.status == Status.RESOLVED
    services.rate(actor=system_actor, demand=wish, rating=5)
    wish.refresh_from_db()
    assert wish.status == Status.CLOSED
    assert "claimed" in kinds(wish) and "fulfilled" in kinds(wish)


def test_wish_pushed_to_a_unit_starts_its_clock(make_demand, units, secretary):
    wish = make_demand("希望村里通一趟去旗里的班车", kind="wish", category="wish-life")
    services.change_route(actor=Actor.system("t", user=secretary), demand=wish, lead_unit=units["jtj"],
                          reason="无人认领，安排推送")
    wish.refresh_from_db()
    assert wish.lead_unit == units["jtj"] and wish.due_at is not None
    assert kinds(wish)[-2] == "routed"


def test_unrated_resolved_demands_close_after_a_week(make_demand, system_actor):
    demand = make_demand(now=at(2026, 10, 12, 9))
    services.handle(actor=system_actor, demand=demand, action="resolve", note="已办", now=at(2026, 10, 12, 10))
    call_command("demands_tick", now=(at(2026, 10, 12, 10) + timedelta(days=8)).isoformat())
    demand.refresh_from_db()
    assert demand.status == Status.CLOSED and demand.rating is None


def test_tick_refuses_a_bad_time():
    with pytest.raises(CommandError):
        call_command("demands_tick", now="tomorrow")


def test_events_are_stamped_in_order(make_demand):
    demand = make_demand()
    assert all(e.status_after for e in DemandEvent.objects.filter(demand=demand))
