"""Logging a visit (pairing.services.log_visit): who may, the pair's time, the day it counts for, helps, photos,
and each problem filed as ONE routed demand — once, however often the phone retries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from grassroots.audit.context import Actor
from grassroots.audit.models import AuditEntry
from grassroots.demands.models import Category, Demand
from grassroots.pairing.models import Help, Problem, Visit
from grassroots.pairing.services import create_pair, log_visit
from grassroots.rules import pairing as rules

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def cadre_actor(world) -> Actor:
    return Actor(user=world.cadre, name=world.cadre.username)


def test_a_problem_becomes_one_demand_routed_by_the_responsibility_list(pairing_world, homes, region, units):
    seeds, agri = Category.objects.get(code="seeds"), Category.objects.get(code="agri")
    visit = log_visit(actor=cadre_actor(pairing_world), pair=pairing_world.pair, visited_at=at(2026, 3, 9, 15, 0),
                      notes="  家里缺种子，孩子想找工作  ", now=NOW,
                      helps=[{"kind": "job", "detail": "推荐到旗里的合作社务工", "amount": None},
                             {"kind": "funds", "detail": "协调救助金", "amount": "500"}],
                      problems=[{"text": "春播缺玉米种子", "category": seeds, "urgent": True},
                                {"text": "草场围栏坏了", "category": agri, "urgent": False}])
    assert visit.notes == "家里缺种子，孩子想找工作"
    assert visit.visited_on == date(2026, 3, 9) and visit.path == homes["SQ-0001"].path
    assert [h.detail for h in Help.objects.filter(visit=visit)] == ["推荐到旗里的合作社务工", "协调救助金"]
    problems = list(Problem.objects.filter(visit=visit).select_related("demand__lead_unit", "demand__person"))
    assert [p.demand.lead_unit.name for p in problems] == ["旗农牧局", "乌丹镇农业服务中心"]
    for p in problems:
        assert p.demand.channel == Demand.Channel.PAIRING_CADRE and p.demand.kind == Demand.Kind.DEMAND
        assert p.demand.area == region["赛沁塔拉嘎查1"] and p.demand.person.name == "乌云毕力格"
        assert p.demand.recorded_by == pairing_world.cadre
        assert p.path == visit.path and p.visited_on == visit.visited_on
    assert problems[0].demand.urgent and not problems[1].demand.urgent
    assert Demand.objects.count() == 2
    entries = AuditEntry.objects.filter(action="pairing.visit.create")
    assert entries.count() == 1 and entries.get().actor == pairing_world.cadre
    assert AuditEntry.objects.filter(action="demands.create", actor=pairing_world.cadre).count() == 2


def test_the_same_key_again_logs_no_second_visit_nor_demand(pairing_world):
    seeds = Category.objects.get(code="seeds")
    kwargs = dict(actor=cadre_actor(pairing_world), pair=pairing_world.pair, visited_at=at(2026, 3, 9, 15, 0),
                  problems=[{"text": "春播缺玉米种子", "category": seeds}], idempotency_key="phone-retry-1", now=NOW)
    first = log_visit(**kwargs)
    again = log_visit(**kwargs)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1 and Demand.objects.count() == 1 and Problem.objects.count() == 1
    assert AuditEntry.objects.filter(action="pairing.visit.create").count() == 1
    log_visit(**{**kwargs, "idempotency_key": "phone-retry-2"})  # a new key is a new visit
    assert Visit.objects.count() == 2 and Demand.objects.count() == 2


def test_a_refused_visit_files_no_demand(pairing_world):
    with pytest.raises(ValidationError):
        log_visit(actor=cadre_actor(pairing_world), pair=pairing_world.pair, visited_at=at(2026, 3, 9, 15, 0),
                  now=NOW, problems=[{"text": "缺种子", "category": None}, {"text": "   ", "category": None}])
    assert not Visit.objects.exists() and not Demand.objects.exists()


def test_the_visit_counts_for_its_local_day(pairing_world):
    utc = ZoneInfo("UTC")
    visit = log_visit(actor=cadre_actor(pairing_world), pair=pairing_world.pair,
                      visited_at=datetime(2026, 2, 28, 17, 30, tzinfo=utc), now=NOW)
    assert visit.visited_on == date(2026, 3, 1)  # 01:30 in 翁牛特旗 on 1 March: the March window's visit


def test_visits_outside_the_pairs_time_are_refused_naming_it(pairing_world, homes, system_actor):
    actor = cadre_actor(pairing_world)
    with pytest.raises(ValidationError) as before:
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=at(2025, 12, 31, 10, 0),
                  now=at(2026, 1, 10, 9, 0))
    assert "于财 — 户SQ-0001" in str(before.value) and "2025-12-31不在" in str(before.value)
    ended = create_pair(actor=system_actor, kind=rules.CADRE_HOUSEHOLD, visitor=pairing_world.cadre,
                        target=homes["SQ-0002"], started_on=date(2026, 1, 1), ended_on=date(2026, 2, 1))
    log_visit(actor=actor, pair=ended, visited_at=at(2026, 1, 31, 20, 0), now=NOW)  # its last day: fine
    with pytest.raises(ValidationError) as after:
        log_visit(actor=actor, pair=ended, visited_at=at(2026, 2, 1, 9, 0), now=NOW)
    assert "户SQ-0002" in str(after.value) and "至2026-01-31" in str(after.value)
    with pytest.raises(ValidationError, match="不能晚于现在"):
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=NOW + timedelta(hours=2), now=NOW)
    with pytest.raises(ValidationError, match="只能补录60天内"):
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=NOW - timedelta(days=61), now=NOW)
    assert Visit.objects.count() == 1


def test_helps_and_notes_are_checked_naming_the_row(pairing_world):
    actor = cadre_actor(pairing_world)
    with pytest.raises(ValidationError, match="第2条帮扶：金额须为0到"):
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=at(2026, 3, 9, 10, 0), now=NOW,
                  helps=[{"kind": "policy", "detail": "讲解低保政策"}, {"kind": "funds", "detail": "捐款", "amount": "-5"}])
    with pytest.raises(ValidationError, match="民情日记不能超过2000字"):
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=at(2026, 3, 9, 10, 0), now=NOW, notes="记" * 2001)
    with pytest.raises(ValidationError, match="请选择走访方式"):
        log_visit(actor=actor, pair=pairing_world.pair, visited_at=at(2026, 3, 9, 10, 0), now=NOW, kind="letter")
    assert not Visit.objects.exists()


def test_who_may_log_a_visit(pairing_world, secretary, reader, outsider, insider):
    def log(user, pair):
        return log_visit(actor=Actor(user=user, name=user.username), pair=pair, visited_at=at(2026, 3, 9, 10, 0),
                         now=NOW)

    assert log(pairing_world.cadre, pairing_world.pair).recorded_by == pairing_world.cadre
    assert log(pairing_world.unit_staff, pairing_world.unit_pair).pair == pairing_world.unit_pair
    assert log(secretary, pairing_world.pair).recorded_by == secretary  # on behalf of a cadre without a phone
    with pytest.raises(PermissionDenied):
        log(reader, pairing_world.pair)
    for stranger, pair in [(outsider, pairing_world.pair), (insider, pairing_world.pair),
                           (pairing_world.cadre, pairing_world.other_pair),
                           (pairing_world.unit_staff, pairing_world.pair)]:
        with pytest.raises(Http404):
            log(stranger, pair)
    assert Visit.objects.count() == 3


def test_a_problem_on_an_area_pair_is_filed_in_the_area(pairing_world, region):
    jobs = Category.objects.get(code="jobs")
    visit = log_visit(actor=Actor(user=pairing_world.unit_staff, name="wdnyzx"), pair=pairing_world.unit_pair,
                      visited_at=at(2026, 3, 9, 10, 0), now=NOW,
                      problems=[{"text": "嘎查青年想学电商", "category": jobs}])
    demand = visit.problems.get().demand
    assert demand.area == region["赛沁塔拉嘎查"] and demand.person is None and demand.lead_unit.name == "旗就业服务中心"
