"""Seed 004's rule examples (翁牛特旗 乌丹镇赛沁塔拉嘎查), as a county template and a village catalogue."""

from datetime import date

from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.points import services
from grassroots.points.models import RuleSet, RuleVersion

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
            template = services.create_rule_set(actor=actor, area=county, name=f"{county.name}积分细则模板",
                                                is_template=True)
            for code, title, kind, cats, points, unit, cap, period, evidence in SEED_RULES:
                services.add_rule(actor=actor, rule_set=template, code=code, title=title, kind=kind, categories=cats,
                                  points=points, unit=unit, cap=cap, cap_period=period, evidence_required=evidence,
                                  effective_from=effective_from)
        rule_set = services.copy_rule_set(actor=actor, template=template, village=village,
                                          effective_from=effective_from)
    else:
        rule_set = services.create_rule_set(actor=actor, area=village, name=f"{village.name}积分细则")
        for code, title, kind, cats, points, unit, cap, period, evidence in SEED_RULES:
            services.add_rule(actor=actor, rule_set=rule_set, code=code, title=title, kind=kind, categories=cats,
                              points=points, unit=unit, cap=cap, cap_period=period, evidence_required=evidence,
                              effective_from=effective_from)
    adoption = services.record_adoption(actor=actor, rule_set=rule_set, meeting=f"{village.name}村民代表大会",
                                        held_on=effective_from, votes_for=41, votes_against=2, votes_abstain=1,
                                        note="审议通过本村积分细则（依据旗积分细则模板）")
    # The versions the assembly adopted name its vote (their origin page shows the meeting).
    RuleVersion.objects.filter(rule__rule_set=rule_set, adoption__isnull=True).update(adoption=adoption)
    return rule_set
