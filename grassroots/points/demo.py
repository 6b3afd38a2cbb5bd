"""Seed 004's rule examples (翁牛特旗 乌丹镇赛沁塔拉嘎查), as a county template and a village catalogue."""

import random
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from grassroots.access.models import User
from grassroots.areas.models import Area, Household, Person
from grassroots.audit.context import Actor
from grassroots.catalogue import services as catalogue_services
from grassroots.catalogue.models import RuleSet, RuleVersion
from grassroots.ledger import services as ledger_services
from grassroots.ledger.models import Account, EntryKind, LedgerEntry
from grassroots.rules.settlement import quarter_bounds, quarter_of
from grassroots.settlement import services as settlement_services

# code, title, kind, categories, points, unit, cap, cap_period, evidence
SEED_RULES = [
    ("A01", "人居环境整治义务劳动", "incentive", ["party_member", "resident", "grid_worker"], 10, "per_time", None, "", False),
    ("A02", "人居环境整治义务劳动（出车）", "incentive", ["party_member", "resident", "grid_worker"], 50, "per_cartload",
     200, "month", True),
    ("A03", "门前三包、庭院整洁", "basic", ["party_member", "resident", "grid_worker"], 5, "per_time", 20, "month", False),
    ("B01", "移风易俗：婚丧嫁娶大操大办", "basic", ["party_member", "resident", "grid_worker"], -10, "per_time", None, "",
     False),
    ("B02", "移风易俗：红白事简办", "incentive", ["party_member", "resident", "grid_worker"], 10, "per_time", None, "", False),
    ("C01", "疫情防控志愿值守", "discretionary", ["party_member", "resident", "grid_worker"], 5, "per_day", 35, "week",
     False),
    ("C02", "民族团结进步活动", "incentive", ["party_member", "resident", "grid_worker"], 10, "per_time", None, "", False),
    ("C03", "发展产业带动增收", "incentive", ["party_member", "resident"], 20, "per_time", None, "", True),
    ("D01", "党员参加组织生活", "basic", ["party_member"], 5, "per_time", 20, "month", False),
    ("D02", "党员志愿服务", "incentive", ["party_member"], 2, "per_hour", 40, "month", False),
    ("E01", "网格员按时走访入户", "basic", ["grid_worker"], 2, "per_time", 60, "month", False),
    ("V01", "违法犯罪、参与邪教等（否决）", "veto", ["party_member", "resident", "grid_worker"], -100, "per_time", None, "",
     False),
]


def load_seed_rules(*, actor: Actor, village: Area, county: Area | None = None,
                    effective_from: date = date(2026, 1, 1)) -> RuleSet:
    """The county publishes the template; the village copies it and its assembly adopts it."""
    rule_set = RuleSet.objects.filter(area=village, is_template=False).first()
    if rule_set is not None:
        return rule_set
    if county is not None:
        template = RuleSet.objects.filter(area=county, is_template=True).first()
        if template is None:
            template = catalogue_services.create_rule_set(actor=actor, area=county, name=f"{county.name}积分细则模板",
                                                is_template=True)
            for code, title, kind, cats, points, unit, cap, period, evidence in SEED_RULES:
                catalogue_services.add_rule(actor=actor, rule_set=template, code=code, title=title, kind=kind, categories=cats,
                                  points=points, unit=unit, cap=cap, cap_period=period, evidence_required=evidence,
                                  effective_from=effective_from)
        rule_set = catalogue_services.copy_rule_set(actor=actor, template=template, village=village,
                                          effective_from=effective_from)
    else:
        rule_set = catalogue_services.create_rule_set(actor=actor, area=village, name=f"{village.name}积分细则")
        for code, title, kind, cats, points, unit, cap, period, evidence in SEED_RULES:
            catalogue_services.add_rule(actor=actor, rule_set=rule_set, code=code, title=title, kind=kind, categories=cats,
                              points=points, unit=unit, cap=cap, cap_period=period, evidence_required=evidence,
                              effective_from=effective_from)
    catalogue_services.record_adoption(actor=actor, rule_set=rule_set, meeting=f"{village.name}村民代表大会",
                                        held_on=effective_from, votes_for=41, votes_against=2, votes_abstain=1,
                                        note="审议通过本村积分细则（依据旗积分细则模板）", adopts_drafts=True)
    return rule_set


# Rules a month of village life draws on, with how often a household earns each (per month).
_HISTORY_RULES = [("A01", 0.8), ("A03", 1.2), ("B02", 0.15), ("C02", 0.4), ("C03", 0.1), ("A02", 0.1),
                  ("B01", 0.05)]


def load_history(*, actor: Actor, village: Area, today: date, seed: int = 2026) -> int:
    """The village's paper ledger of this year, up to last month, entered as posted entries
    (纸质台账补录), and the quarters that have ended settled and published by the secretary.

    SQ-0001 (乌云毕力格) earns 235 points in the last finished quarter: seed 004's example, so the
    love supermarket has a household that may redeem 47 yuan. One household has a veto in Q2.
    Returns the number of entries written; a second call writes nothing.
    """
    if LedgerEntry.objects.filter(village=village, idempotency_key__startswith="history:").exists():
        return 0
    rule_set = RuleSet.objects.get(area=village, is_template=False)
    versions = {v.rule.code: v for v in RuleVersion.objects.filter(rule__rule_set=rule_set).select_related("rule")
                .order_by("rule__code", "version")}
    households = list(Household.objects.filter(village=village, is_active=True).order_by("number"))
    heads = {p.household_id: p for p in Person.objects.filter(household__in=households, relation="head")}
    rng = random.Random(seed)
    last_year, last_quarter = quarter_of(today)
    last_quarter -= 1
    showcase_quarter = quarter_bounds(today.year, last_quarter) if last_quarter else None
    entries = []

    def add(household, code, day, n):
        version = versions[code]
        entries.append(LedgerEntry(
            village=village, path=household.path, household=household, person=heads.get(household.pk),
            account=Account.SCORE, kind=EntryKind.AWARD if version.points > 0 else EntryKind.DEDUCTION,
            points=version.points, rule_version=version, reason="纸质台账补录", occurred_on=day,
            posted_at=timezone.make_aware(datetime.combine(day, time(18))),
            idempotency_key=f"history:{village.pk}:{household.pk}:{day.isoformat()}:{n}"))

    for household in households:
        n = 0
        for month in range(1, today.month):
            in_showcase = (showcase_quarter and household.number == "SQ-0001"
                           and showcase_quarter[0].month <= month <= showcase_quarter[1].month)
            if in_showcase:
                continue
            for code, rate in _HISTORY_RULES:
                for _ in range(int(rate) + (rng.random() < rate % 1)):
                    n += 1
                    add(household, code, date(today.year, month, rng.randint(1, 28)), n)
        if household.number == "SQ-0001" and showcase_quarter:
            start = showcase_quarter[0]
            # 235 = 3×50 (出车) + 6×10 (义务劳动) + 5×5 (庭院整洁)
            for code, times in (("A02", 3), ("A01", 6), ("A03", 5)):
                for i in range(times):
                    n += 1
                    add(household, code, date(start.year, start.month + i % 3, 3 + i), n)
    if len(households) > 5:
        n = 10_000
        add(households[5], "V01", date(today.year, 5, 12), n)
    entries.sort(key=lambda e: (e.occurred_on, e.idempotency_key))
    with transaction.atomic():
        ledger_services.append_entries(village=village, entries=entries)
    secretary = User.objects.filter(username="shuji").first()
    as_secretary = Actor.system("demo", user=secretary)
    for quarter in range(1, last_quarter + 1):
        draft = settlement_services.compute_settlement(actor=as_secretary, village=village, year=today.year, quarter=quarter)
        if draft.status == "draft":
            settlement_services.publish_settlement(actor=as_secretary, settlement=draft)
    return len(entries)
