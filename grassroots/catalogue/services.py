"""Writes of the rule catalogue: rule sets, adoptions by a meeting, rules and their dated revisions, copies
of a template."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from grassroots.access.scope import authorise
from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.catalogue.models import (
    CATEGORY_LABELS,
    Adoption,
    CapPeriod,
    Rule,
    RuleKind,
    RuleSet,
    RuleVersion,
)
from grassroots.points import capabilities as caps

# Audit actions (app.noun.verb). The values are stored: never rename one.
ADOPTION_CREATE = "points.adoption.create"
RULE_CREATE = "points.rule.create"
RULE_REVISE = "points.rule.revise"
RULE_SET_COPY = "points.rule_set.copy"
RULE_SET_CREATE = "points.rule_set.create"


@transaction.atomic
def create_rule_set(*, actor: Actor, area: Area, name: str, is_template: bool = False) -> RuleSet:
    authorise(actor, caps.MANAGE_RULES, area.path)
    if not is_template and area.level != Level.VILLAGE:
        raise ValidationError({"area": "村的积分细则只能建在嘎查村社区"})
    if not is_template and RuleSet.objects.filter(area=area, is_template=False).exists():
        raise ValidationError({"area": f"{area.name}已有积分细则"})
    rule_set = RuleSet.objects.create(area=area, path=area.path, name=name.strip(), is_template=is_template)
    record(actor=actor, action=RULE_SET_CREATE, obj=rule_set, data={"name": name, "template": is_template})
    return rule_set


@transaction.atomic
def record_adoption(*, actor: Actor, rule_set: RuleSet, meeting: str, held_on: date, votes_for: int,
                    votes_against: int = 0, votes_abstain: int = 0, note: str = "",
                    adopts_drafts: bool = False) -> Adoption:
    """A meeting's vote on the rule set. With ``adopts_drafts`` the vote adopts every version not yet adopted
    (a catalogue drafted from a template and put to the assembly as a whole): their origin pages name it."""
    authorise(actor, caps.MANAGE_RULES, rule_set.path)
    if votes_for <= votes_against:
        raise ValidationError({"votes_for": "赞成票未过半，细则未获通过"})
    adoption = Adoption.objects.create(rule_set=rule_set, meeting=meeting.strip(), held_on=held_on,
                                       votes_for=votes_for, votes_against=votes_against,
                                       votes_abstain=votes_abstain, note=note, recorded_by=actor.user)
    adopted = (RuleVersion.objects.filter(rule__rule_set=rule_set, adoption__isnull=True).update(adoption=adoption)
               if adopts_drafts else 0)
    record(actor=actor, action=ADOPTION_CREATE, obj=adoption, area_path=rule_set.path,
           data={"meeting": meeting, "held_on": held_on.isoformat(), "for": votes_for, "against": votes_against,
                 "versions_adopted": adopted})
    return adoption


def _version_values(*, title: str, kind: str, categories: list[str], points: int, unit: str, cap: int | None,
                    cap_period: str, evidence_required: bool, effective_from: date, effective_to: date | None) -> dict:
    errors = {}
    if not title.strip():
        errors["title"] = "项目名称不能为空"
    if kind not in RuleKind.values:
        errors["kind"] = "项目类型无效"
    unknown = [c for c in categories if c not in CATEGORY_LABELS]
    if not categories or unknown:
        errors["categories"] = "适用人员须为 党员/群众/网格员 之一或多项"
    if points == 0:
        errors["points"] = "分值不能为0"
    if (cap is None) != (cap_period == CapPeriod.NONE):
        errors["cap"] = "封顶分值和封顶周期须同时填写"
    if effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = "失效日期早于生效日期"
    if errors:
        raise ValidationError(errors)
    return dict(title=title.strip(), kind=kind, categories=sorted(set(categories)), points=points, unit=unit,
                cap=cap, cap_period=cap_period, evidence_required=evidence_required,
                effective_from=effective_from, effective_to=effective_to)


@transaction.atomic
def add_rule(*, actor: Actor, rule_set: RuleSet, code: str, title: str, kind: str, categories: list[str],
             points: int, unit: str = "per_time", cap: int | None = None, cap_period: str = "",
             evidence_required: bool = False, effective_from: date, effective_to: date | None = None,
             adoption: Adoption | None = None) -> RuleVersion:
    authorise(actor, caps.MANAGE_RULES, rule_set.path)
    values = _version_values(title=title, kind=kind, categories=categories, points=points, unit=unit, cap=cap,
                             cap_period=cap_period, evidence_required=evidence_required,
                             effective_from=effective_from, effective_to=effective_to)
    code = code.strip()
    if not code:
        raise ValidationError({"code": "编号不能为空"})
    if Rule.objects.filter(rule_set=rule_set, code=code).exists():
        raise ValidationError({"code": f"编号 {code} 已存在"})
    rule = Rule.objects.create(rule_set=rule_set, code=code)
    version = RuleVersion.objects.create(rule=rule, version=1, adoption=adoption, **values)
    record(actor=actor, action=RULE_CREATE, obj=version, area_path=rule_set.path,
           data={"code": code, "title": title, "points": points})
    return version


@transaction.atomic
def revise_rule(*, actor: Actor, rule: Rule, effective_from: date, adoption: Adoption | None = None,
                **changes) -> RuleVersion:
    """A new version from ``effective_from``; the version in force before it ends the day before.

    Claims already recorded keep pointing at the version in force on the day of their deed.
    """
    authorise(actor, caps.MANAGE_RULES, rule.rule_set.path)
    current = rule.versions.select_for_update().order_by("-version").first()
    if effective_from <= current.effective_from:
        raise ValidationError({"effective_from": f"新版本须晚于现行版本的生效日期 {current.effective_from}"})
    fields = {f: getattr(current, f) for f in ("title", "kind", "categories", "points", "unit", "cap", "cap_period",
                                               "evidence_required")}
    fields.update(changes)
    values = _version_values(effective_from=effective_from, effective_to=changes.get("effective_to"), **{
        k: v for k, v in fields.items() if k != "effective_to"})
    if current.effective_to is None or current.effective_to >= effective_from:
        current.effective_to = effective_from - timedelta(days=1)
        current.save(update_fields=["effective_to"])
    version = RuleVersion.objects.create(rule=rule, version=current.version + 1, adoption=adoption, **values)
    record(actor=actor, action=RULE_REVISE, obj=version, area_path=rule.rule_set.path,
           data={"code": rule.code, "version": version.version, "changes": {k: str(v) for k, v in changes.items()}})
    return version


@transaction.atomic
def copy_rule_set(*, actor: Actor, template: RuleSet, village: Area, effective_from: date,
                  name: str = "") -> RuleSet:
    """A village adopts a township or county template as the start of its own catalogue."""
    if not template.is_template:
        raise ValidationError({"template": "只能复制模板"})
    if not village.path.startswith(template.path):
        raise ValidationError({"template": "只能使用本村所属苏木乡镇或旗县发布的模板"})
    rule_set = create_rule_set(actor=actor, area=village, name=name or f"{village.name}积分细则")
    rule_set.copied_from = template
    rule_set.save(update_fields=["copied_from"])
    for rule in template.rules.prefetch_related("versions"):
        current = max(rule.versions.all(), key=lambda v: v.version)
        if current.effective_to is not None and current.effective_to < effective_from:
            continue
        new_rule = Rule.objects.create(rule_set=rule_set, code=rule.code)
        RuleVersion.objects.create(
            rule=new_rule, version=1, title=current.title, kind=current.kind, categories=current.categories,
            points=current.points, unit=current.unit, cap=current.cap, cap_period=current.cap_period,
            evidence_required=current.evidence_required, effective_from=effective_from,
            effective_to=current.effective_to)
    record(actor=actor, action=RULE_SET_COPY, obj=rule_set, data={"template": template.pk})
    return rule_set
