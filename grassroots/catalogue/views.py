"""The rule catalogue pages: a village's rule set, adding and revising rules, adoptions, templates and copies."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import refuse_without, require, scope_of
from grassroots.areas import selectors as area_selectors
from grassroots.areas.models import Level
from grassroots.audit.context import Actor
from grassroots.catalogue import forms, selectors, services
from grassroots.core.forms import add_service_errors
from grassroots.points import capabilities as caps
from grassroots.points.pages import render_page, village_from_request


@login_required
@require_GET
def rules(request):
    user = request.user
    refuse_without(user, caps.VIEW)
    village = village_from_request(request)
    if village is None:
        return redirect("points-templates")
    catalogue = selectors.village_catalogue(user, village)
    if catalogue is not None:
        return redirect("points-rule-set", pk=catalogue.pk)
    return _no_catalogue_page(request, village)


def _no_catalogue_page(request, village, *, copy_form=None, name_form=None, status=200):
    return render_page(request, "catalogue/rules_empty.html", {
        "village": village, "templates": selectors.templates_for(village),
        "can_manage": scope_of(request.user).can(caps.MANAGE_RULES, village.path),
        "copy_form": copy_form or forms.CopyForm(), "name_form": name_form or forms.RuleSetForm(
            initial={"name": f"{village.name}积分细则"}),
    }, status=status)


def _rule_set_page(request, rule_set, *, rule_form=None, adoption_form=None, status=200):
    today = timezone.localdate()
    adoptions = list(rule_set.adoptions.all())
    return render_page(request, "catalogue/rule_set.html", {
        "rule_set": rule_set, "rules": selectors.catalogue_rules(rule_set, today), "adoptions": adoptions,
        "today": today, "can_manage": scope_of(request.user).can(caps.MANAGE_RULES, rule_set.path),
        "rule_form": rule_form or forms.RuleForm(adoptions=adoptions),
        "adoption_form": adoption_form or forms.AdoptionForm(),
        "open_rule_form": rule_form is not None, "open_adoption_form": adoption_form is not None,
    }, status=status)


@login_required
@require_GET
def rule_set(request, pk: int):
    return _rule_set_page(request, selectors.rule_set_for(request.user, pk))


def _require_manage(user, rule_set) -> None:
    """The set was found readable (an outsider already got 404): anyone else without the right gets 403."""
    if not scope_of(user).can(caps.MANAGE_RULES, rule_set.path):
        raise PermissionDenied("您没有管理积分细则的权限")


def _adoption(rule_set, pk):
    if pk is None:
        return None
    adoption = rule_set.adoptions.filter(pk=pk).first()
    if adoption is None:
        raise ValidationError({"adoption": "所选表决不存在"})
    return adoption


@login_required
@require_POST
def rule_add(request, pk: int):
    rule_set = selectors.rule_set_for(request.user, pk)
    _require_manage(request.user, rule_set)
    form = forms.RuleForm(request.POST, adoptions=rule_set.adoptions.all())
    if form.is_valid():
        d = form.cleaned_data
        try:
            version = services.add_rule(
                actor=Actor.from_request(request), rule_set=rule_set, code=d["code"], title=d["title"],
                kind=d["kind"], categories=d["categories"], points=d["points"], unit=d["unit"], cap=d["cap"],
                cap_period=d["cap_period"] or "", evidence_required=d["evidence_required"],
                effective_from=d["effective_from"], effective_to=d["effective_to"],
                adoption=_adoption(rule_set, d["adoption"]))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已添加积分项目 {version.rule.code}「{version.title}」")
            return redirect("points-rule-set", pk=rule_set.pk)
    return _rule_set_page(request, rule_set, rule_form=form, status=400)


@login_required
@require_POST
def adoption_add(request, pk: int):
    rule_set = selectors.rule_set_for(request.user, pk)
    _require_manage(request.user, rule_set)
    form = forms.AdoptionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            adoption = services.record_adoption(
                actor=Actor.from_request(request), rule_set=rule_set, meeting=d["meeting"], held_on=d["held_on"],
                votes_for=d["votes_for"], votes_against=d["votes_against"], votes_abstain=d["votes_abstain"],
                note=d["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已记录表决：{adoption.meeting}（赞成{adoption.votes_for}票）")
            return redirect("points-rule-set", pk=rule_set.pk)
    return _rule_set_page(request, rule_set, adoption_form=form, status=400)

REVISABLE = ("title", "kind", "categories", "points", "unit", "cap", "cap_period", "evidence_required")


@login_required
@require_http_methods(["GET", "POST"])
def rule_revise(request, pk: int):
    rule = selectors.readable_rule(request.user, pk)
    rule_set = rule.rule_set
    _require_manage(request.user, rule_set)
    latest = rule.versions.order_by("-version").first()
    adoptions = rule_set.adoptions.all()
    if request.method == "POST":
        form = forms.ReviseForm(request.POST, adoptions=adoptions)
        if form.is_valid():
            d = form.cleaned_data
            changes = {f: d[f] for f in REVISABLE if _differs(d[f], getattr(latest, f))}
            if d["effective_to"] is not None:
                changes["effective_to"] = d["effective_to"]
            try:
                version = services.revise_rule(actor=Actor.from_request(request), rule=rule,
                                               effective_from=d["effective_from"],
                                               adoption=_adoption(rule_set, d["adoption"]), **changes)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已发布 {rule.code} 第{version.version}版，自{version.effective_from}起施行")
                return redirect("points-rule-set", pk=rule_set.pk)
    else:
        form = forms.ReviseForm(adoptions=adoptions, initial={
            **{f: getattr(latest, f) for f in REVISABLE},
            "effective_from": max(timezone.localdate(), latest.effective_from) + timedelta(days=1)})
    return render_page(request, "catalogue/rule_revise.html", {"rule": rule, "latest": latest, "form": form,
                                                       "rule_set": rule_set}, status=400 if form.is_bound else 200)


def _differs(new, old) -> bool:
    if isinstance(new, list):
        return sorted(new) != sorted(old or [])
    return (new if new != "" else None) != (old if old != "" else None)


@login_required
@require_POST
def rule_set_new(request):
    """A village's empty catalogue, or (above village level) a template for the villages below."""
    user = request.user
    code = request.POST.get("area", "").strip()
    area = area_selectors.area_for(user, code) if code else request.current_area
    if not area:
        raise Http404("未找到")
    require(user, caps.MANAGE_RULES, area.path)
    form = forms.RuleSetForm(request.POST)
    is_template = area.level not in (Level.VILLAGE, Level.GRID)
    if area.level == Level.GRID:
        area = area.parent
    if form.is_valid():
        try:
            rule_set = services.create_rule_set(actor=Actor.from_request(request), area=area,
                                                name=form.cleaned_data["name"], is_template=is_template)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已建立「{rule_set.name}」，请添加积分项目")
            return redirect("points-rule-set", pk=rule_set.pk)
    if is_template:
        return _templates_page(request, area, name_form=form, status=400)
    return _no_catalogue_page(request, area, name_form=form, status=400)


@login_required
@require_POST
def rule_copy(request):
    """A village copies a township or county template as the start of its own catalogue."""
    user = request.user
    village = village_from_request(request)
    if village is None:
        raise Http404("未找到")
    require(user, caps.MANAGE_RULES, village.path)
    form = forms.CopyForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        template = next((t for t in selectors.templates_for(village) if t.pk == d["template"]), None)
        if template is None:
            raise Http404("未找到该模板")
        try:
            rule_set = services.copy_rule_set(actor=Actor.from_request(request), template=template, village=village,
                                              effective_from=d["effective_from"], name=d["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已按「{template.name}」建立本村细则，请记录村民（代表）大会表决")
            return redirect("points-rule-set", pk=rule_set.pk)
    return _no_catalogue_page(request, village, copy_form=form, status=400)


def _templates_page(request, area, *, name_form=None, status=200):
    return render_page(request, "catalogue/templates.html", {
        "area": area, "templates": selectors.templates_for(area) if area else [],
        "can_create": bool(area) and area.level not in (Level.VILLAGE, Level.GRID)
        and scope_of(request.user).can(caps.MANAGE_RULES, area.path),
        "name_form": name_form or forms.RuleSetForm(initial={"name": f"{area.name}积分细则模板" if area else ""}),
    }, status=status)


@login_required
@require_GET
def templates(request):
    refuse_without(request.user, caps.VIEW)
    return _templates_page(request, request.current_area or None)
