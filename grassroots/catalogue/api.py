"""The rule catalogue in the API: a village's rules and each rule's versions (/api/points/rules/), the
catalogue itself with its adoptions (/api/points/villages/{code}/catalogue/)."""

from datetime import date

from django.db.models import Prefetch
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from grassroots.api.common import Cursor, Limit, Page, area_ref, page, position_of
from grassroots.api.errors import api_errors
from grassroots.api.ids import ObjectId
from grassroots.catalogue import selectors
from grassroots.catalogue.models import Rule, RuleSet, RuleVersion
from grassroots.points.api_common import (
    READ_ERRORS,
    AreaCode,
    AreaRef,
    VillageCode,
    village_by_code,
    village_for,
)

router = Router(tags=["积分制"])


def rule_for(user, pk: int) -> Rule:
    """A rule of a rule set the caller may read (a grid worker reads the village's catalogue); 404 otherwise."""
    return selectors.readable_rule(user, pk)


class AdoptionOut(Schema):
    id: int
    meeting: str
    held_on: date
    votes_for: int
    votes_against: int
    votes_abstain: int
    note: str


class VersionOut(Schema):
    id: int
    version: int
    title: str
    kind: str
    kind_label: str
    categories: list[str]
    category_labels: list[str]
    points: int
    unit: str
    unit_label: str
    cap: int | None
    cap_period: str
    evidence_required: bool
    effective_from: date
    effective_to: date | None
    adoption: AdoptionOut | None


class RuleOut(Schema):
    id: int
    code: str
    in_force: VersionOut | None = Field(description="在 date 当天有效的版本；当天无有效版本时为 null")
    versions: list[VersionOut] = Field(description="全部版本，新版本在前")


class CatalogueOut(Schema):
    id: int
    name: str
    is_template: bool
    copied_from: str | None
    adoptions: list[AdoptionOut]


class VillageCatalogueOut(Schema):
    village: AreaRef
    catalogue: CatalogueOut | None = Field(description="本村尚未制定积分细则时为 null")


class RuleDetailOut(RuleOut):
    date: date
    village: AreaRef
    catalogue: CatalogueOut


def _adoption(a) -> dict | None:
    if a is None:
        return None
    return {"id": a.pk, "meeting": a.meeting, "held_on": a.held_on, "votes_for": a.votes_for,
            "votes_against": a.votes_against, "votes_abstain": a.votes_abstain, "note": a.note}


def version_out(v: RuleVersion) -> dict:
    return {
        "id": v.pk, "version": v.version, "title": v.title, "kind": v.kind, "kind_label": v.get_kind_display(),
        "categories": v.categories, "category_labels": v.category_labels, "points": v.points, "unit": v.unit,
        "unit_label": v.get_unit_display(), "cap": v.cap, "cap_period": v.cap_period,
        "evidence_required": v.evidence_required, "effective_from": v.effective_from,
        "effective_to": v.effective_to, "adoption": _adoption(v.adoption),
    }


def _rule(rule: Rule, day: date) -> dict:
    versions = sorted(rule.versions.all(), key=lambda v: -v.version)
    current = next((v for v in versions if v.in_force_on(day)), None)
    return {"id": rule.pk, "code": rule.code, "in_force": version_out(current) if current else None,
            "versions": [version_out(v) for v in versions]}


def _catalogue(rule_set: RuleSet) -> dict:
    return {"id": rule_set.pk, "name": rule_set.name, "is_template": rule_set.is_template,
            "copied_from": rule_set.copied_from.name if rule_set.copied_from_id else None,
            "adoptions": [_adoption(a) for a in rule_set.adoptions.all()]}


def _versions_prefetch() -> Prefetch:
    return Prefetch("versions", queryset=RuleVersion.objects.select_related("adoption").order_by("-version"))


class DayQuery(Schema):
    on: date | None = Field(None, alias="date", description="取当天有效的版本（YYYY-MM-DD），默认今天")


class RulesQuery(DayQuery):
    area_code: VillageCode = None
    limit: Limit = 100
    cursor: Cursor = None


@router.get("/rules/", response={200: Page(RuleOut), **READ_ERRORS}, summary="本村积分细则的项目（含各项目的版本）")
@api_errors
def list_rules(request, filters: Query[RulesQuery]):
    """The rules of the catalogue of the village ``area_code`` names, by code (``area_code`` may be omitted by a caller who works in one
    village only); the catalogue itself and its adoptions: ``GET villages/{code}/catalogue/``."""
    limit, position = filters.limit, position_of(filters.cursor)
    area = village_for(request.user, filters.area_code)
    day = filters.on or timezone.localdate()
    rule_set = selectors.village_catalogue(request.user, area)
    rules = []
    if rule_set is not None:
        rules = list(rule_set.rules.prefetch_related(_versions_prefetch())
                     .order_by("code", "id")[position:position + limit + 1])
    return page([_rule(r, day) for r in rules], limit, position)


@router.get("/villages/{code}/catalogue/", response={200: VillageCatalogueOut, **READ_ERRORS},
            summary="本村积分细则（名称、来源模板、通过的会议）")
@api_errors
def village_catalogue(request, code: AreaCode):
    """The catalogue a village adopted: its name, the template it was copied from and the meetings that
    adopted it (its rules: ``GET rules/?area_code={code}``)."""
    area = village_by_code(request.user, code)
    rule_set = selectors.village_catalogue(request.user, area)
    return {"village": area_ref(area), "catalogue": _catalogue(rule_set) if rule_set else None}


@router.get("/rules/{int:rule_id}/", response={200: RuleDetailOut, **READ_ERRORS}, summary="积分项目及其版本历史")
@api_errors
def get_rule(request, rule_id: ObjectId, filters: Query[DayQuery]):
    rule = rule_for(request.user, rule_id)
    day = filters.on or timezone.localdate()
    versions = list(rule.versions.select_related("adoption").order_by("-version"))
    rule._prefetched_objects_cache = {"versions": versions}
    return {**_rule(rule, day), "date": day, "village": area_ref(rule.rule_set.area), "catalogue": _catalogue(rule.rule_set)}
