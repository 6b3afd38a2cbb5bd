"""Reads of the rule catalogue: the village's rule set, the rules and versions in force on a day, templates."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q

from grassroots.access.scope import access_scoped, scope_of
from grassroots.areas.models import Area, Level
from grassroots.catalogue.models import Adoption, Rule, RuleSet, RuleVersion
from grassroots.points import capabilities as caps


def rules_in_force(rule_set: RuleSet, day) -> list[RuleVersion]:
    """The version of each rule that is in force on ``day``."""
    return list(
        RuleVersion.objects.filter(rule__rule_set=rule_set, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .select_related("rule")
        .order_by("rule__code")
    )


def _readable_rule_sets(user):
    """Rule sets are documents of an area for everyone working in it: a set is readable by whoever sees
    its area's subtree (a county reads its villages' catalogues) or works inside its area (a grid
    worker reads the village catalogue; a village reads its township's and county's templates)."""
    query = Q(pk__in=[])
    for path in scope_of(user).paths(caps.VIEW):
        ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        query |= Q(path__startswith=path) | Q(path__in=ancestors)
    return RuleSet.objects.filter(query)


def rule_set_for(user, pk: int) -> RuleSet:
    """One readable rule set (see ``_readable_rule_sets``); 404 otherwise."""
    return access_scoped(_readable_rule_sets(user).select_related("area", "copied_from"), pk=pk)


def village_catalogue(user, village) -> RuleSet | None:
    """The village's catalogue, readable by everyone working in the village (``catalogue_for`` reads
    through the village's own subtree scope, so a grid worker, whose role sits on a grid, gets None)."""
    return _readable_rule_sets(user).filter(area=village, is_template=False).first()


def readable_rule(user, pk: int) -> Rule:
    """One rule of a rule set the caller may read: a grid worker reads the village's catalogue."""
    return access_scoped(Rule.objects.select_related("rule_set", "rule_set__area")
                         .filter(rule_set__in=_readable_rule_sets(user)), pk=pk)


def catalogue_rules(rule_set: RuleSet, day) -> list[Rule]:
    """Each rule of the set with all its versions (newest first), ``current`` = the version in force on
    ``day`` (None when none is) and ``latest`` = the newest version."""
    rules = list(
        rule_set.rules.prefetch_related(
            Prefetch("versions", queryset=RuleVersion.objects.select_related("adoption").order_by("-version"))
        ).order_by("code")
    )
    for rule in rules:
        versions = list(rule.versions.all())
        rule.latest = versions[0] if versions else None
        rule.current = next((v for v in versions if v.in_force_on(day)), None)
    return rules


def templates_for(area) -> list[RuleSet]:
    """Template rule sets published at ``area``, above it (its township, county …) or below it."""
    ancestors = [area.path[: i + 1] for i, ch in enumerate(area.path) if ch == "/"]
    return list(
        RuleSet.objects.filter(is_template=True)
        .filter(Q(path__in=ancestors) | Q(path__startswith=area.path))
        .select_related("area")
        .annotate(rule_count=Count("rules"))
        .order_by("path", "name")
    )


def latest_adoption(rule_set_id: int, on_or_before):
    """The catalogue's most recent assembly adoption held on or before a day (for a version that
    names no adoption of its own)."""

    return Adoption.objects.filter(rule_set_id=rule_set_id, held_on__lte=on_or_before).order_by(
        "-held_on", "-id").first()


def village_of(area: Area) -> Area:
    if area.level == Level.VILLAGE:
        return area
    if area.level == Level.GRID:
        return area.parent
    raise ValidationError("积分制在嘎查村社区一级管理")


def version_in_force(rule: Rule, day: date) -> RuleVersion | None:
    return rule.versions.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day),
                                effective_from__lte=day).first()
