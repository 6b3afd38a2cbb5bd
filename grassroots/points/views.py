"""Pages of the points process (积分制). Thin: parse → one service or selector → render.

Staff pages need a login and scope through access.scope: an outsider gets 404 for another village's
objects (and empty lists), a member who may only look gets 403 on any write. The two board pages
(/board/notices/…) are public: masked names, no phone numbers, ID numbers or tags.
"""

import math
import mimetypes
import re
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import refuse_without, require, scope_of
from grassroots.areas import selectors as area_selectors
from grassroots.areas.models import Level
from grassroots.audit.context import Actor
from grassroots.core import ratelimit
from grassroots.core.forms import add_service_errors, int_or_none
from grassroots.core.idempotency import IdempotencyConflict, run_once
from grassroots.points import capabilities as caps
from grassroots.points import forms, selectors, services
from grassroots.points.models import (
    ClaimStatus,
    EntryKind,
    LineStatus,
    NoticeStatus,
    ObjectionStatus,
)
from grassroots.points.qr import qr_svg
from grassroots.rules.masking import mask_name
from grassroots.rules.points import short_hash

# (requests, seconds) per client address; settings.POINTS_RATE_LIMITS overrides any of them. Generous,
# because a whole village may reach the board through one carrier-grade NAT address.
RATE_LIMITS = {"objection": (10, 600), "check": (300, 600)}
TOKEN = re.compile(r"^[A-Za-z0-9_-]{4,20}$")


# ---------------------------------------------------------------- helpers


def _require_reviewer(user) -> None:
    scope = scope_of(user)
    if scope.everything or {role for role, _ in scope.assignments} & selectors.reviewer_roles():
        return
    refuse_without(user, "points.review")  # held by nobody: 403 to members, 404 to strangers


def _village(request):
    """The village the caller works in: ``?village=CODE`` or the current area (a grid's village).
    None above village level."""
    code = (request.GET.get("village") or request.POST.get("village") or "").strip()
    area = area_selectors.area_for(request.user, code) if code else request.current_area
    if not area:
        return None
    if area.level == Level.GRID:
        return area.parent
    if area.level == Level.VILLAGE:
        return area
    return None


def _rate_ok(request, scope: str) -> bool:
    allowed, window = {**RATE_LIMITS, **getattr(settings, "POINTS_RATE_LIMITS", {})}[scope]
    return ratelimit.hit(request, scope=f"points:{scope}", allowed=allowed, window=window).allowed


def _points_can(user) -> dict:
    scope = scope_of(user)
    return {
        "view": bool(scope.paths(caps.VIEW)),
        "record": bool(scope.paths(caps.RECORD)),
        "manage_rules": bool(scope.paths(caps.MANAGE_RULES)),
        "decide": bool(scope.paths(caps.DECIDE_OBJECTIONS)),
        "review": scope.everything or bool({r for r, _ in scope.assignments} & selectors.reviewer_roles()),
    }


def _render(request, template: str, context: dict, status: int = 200):
    """render() with what the points tabs need: which of the points pages the caller may use."""
    if request.user.is_authenticated:
        context.setdefault("points_can", _points_can(request.user))
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- the hub


@login_required
@require_GET
def home(request):
    refuse_without(request.user, caps.VIEW)
    return _render(request, "points/home.html", {"village": _village(request)})


# ---------------------------------------------------------------- recording (周采分)


def _save_claims(request, form):
    """Record the claims of a valid form, once per idempotency key. A redirect, or None with errors on the form."""
    d = form.cleaned_data
    rule = selectors.readable_rule(request.user, d["rule"])

    def work():
        claims = services.record_claims(actor=Actor.from_request(request), person_ids=d["people"], rule=rule,
                                        quantity=d["quantity"], deed_date=d["deed_date"], note=d["note"],
                                        photo=d["photo"], allow_duplicate=d["allow_duplicate"])
        return {"batch": claims[0].batch, "claims": [c.pk for c in claims]}

    try:
        result, replayed = run_once(user=request.user, key=d["idempotency_key"], action="points.claims.record",
                                    work=work)
    except services.DuplicateClaims as exc:
        # Shown beside the box "我已核实，这是另一件事，仍要记录": ticking it and confirming records anyway.
        form.add_error("allow_duplicate", exc.messages)
        return None
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    except IdempotencyConflict as exc:
        form.add_error(None, str(exc))
        return None
    url = reverse("points-record-done", args=[result["batch"]])
    return redirect(url + ("?again=1" if replayed else ""))


@login_required
@require_http_methods(["GET", "POST"])
def record(request):
    """Three taps: ① the person (?q= live search) ② the rule (?person=) ③ confirm (?person=&rule=)."""
    user = request.user
    refuse_without(user, caps.RECORD)
    today = timezone.localdate()
    form = None
    if request.method == "POST":
        form = forms.ClaimForm(request.POST, request.FILES)
        if form.is_valid():
            done = _save_claims(request, form)
            if done:
                return done
        person_id = int_or_none((request.POST.getlist("people") or [""])[0])
        rule_id = int_or_none(request.POST.get("rule"))
        if person_id is None or rule_id is None:
            raise Http404("未找到")
    else:
        person_id, rule_id = int_or_none(request.GET.get("person")), int_or_none(request.GET.get("rule"))
    if person_id is None:
        area = request.current_area
        q = request.GET.get("q", "").strip()
        if not area:
            people = []
        elif q:
            people = area_selectors.search_people(user, q, within=area, limit=60)
        else:
            people = selectors.recordable_people(user, area, limit=300)
        template = "points/_people.html" if request.htmx else "points/record_person.html"
        return _render(request, template, {"people": people, "q": q, "area": area})
    person = area_selectors.person_detail(user, person_id)
    require(user, caps.RECORD, person.path)
    village_id = person.household.village_id if person.household_id else None
    catalogue = selectors.village_catalogue(user, village_id) if village_id else None
    if rule_id is None:
        categories = person.category_codes()
        versions = selectors.rules_in_force(catalogue, today) if catalogue else []
        fitting = [v for v in versions if categories & set(v.categories)]
        return _render(request, "points/record_rule.html", {
            "person": person, "versions": fitting, "catalogue": catalogue, "others": len(versions) - len(fitting)})
    rule = selectors.readable_rule(user, rule_id)
    version = services.version_in_force(rule, today)
    if form is None:
        form = forms.ClaimForm(initial={"people": [person.pk], "rule": rule.pk})
    return _render(request, "points/record_confirm.html", {
        "person": person, "rule": rule, "version": version, "form": form,
    }, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def record_batch(request):
    """Batch entry: one deed done by many (30 villagers at a clean-up → 30 claims in one batch)."""
    user = request.user
    refuse_without(user, caps.RECORD)
    today = timezone.localdate()
    form = None
    if request.method == "POST":
        form = forms.ClaimForm(request.POST, request.FILES)
        if form.is_valid():
            done = _save_claims(request, form)
            if done:
                return done
        rule_id = int_or_none(request.POST.get("rule"))
        if rule_id is None:
            raise Http404("未找到")
    else:
        rule_id = int_or_none(request.GET.get("rule"))
    area = request.current_area
    village = _village(request)
    if rule_id is None:
        catalogue = selectors.village_catalogue(user, village) if village else None
        versions = selectors.rules_in_force(catalogue, today) if catalogue else []
        return _render(request, "points/batch_rule.html", {"versions": versions, "catalogue": catalogue,
                                                          "area": area})
    rule = selectors.readable_rule(user, rule_id)
    version = services.version_in_force(rule, today)
    people = selectors.recordable_people(user, area) if area else []
    fitting = set(version.categories) if version else set()
    for person in people:
        person.fits = bool(person.category_codes() & fitting)
    if form is None:
        form = forms.ClaimForm(initial={"rule": rule.pk})
    chosen = {int_or_none(v) for v in request.POST.getlist("people")} if form.is_bound else set()
    return _render(request, "points/batch_people.html", {
        "rule": rule, "version": version, "people": people, "form": form, "chosen": chosen, "area": area,
        "unfit": sum(1 for p in people if not p.fits),
    }, status=400 if form.is_bound else 200)


@login_required
@require_GET
def record_done(request, batch: str):
    claims = selectors.batch_claims(request.user, batch)
    if not claims:
        raise Http404("未找到")
    first = claims[0]
    return _render(request, "points/record_done.html", {
        "claims": claims, "first": first, "total": sum(c.points for c in claims),
        "again": request.GET.get("again") == "1",
    })


# ---------------------------------------------------------------- my claims


def _my_claims_page(request, *, bound: dict | None = None, problems: list[str] | None = None, status: int = 200):
    claims = list(selectors.my_claims(request.user))
    resubmitted = {c.resubmits_id for c in claims if c.resubmits_id}
    rejected = [c for c in claims if c.status == ClaimStatus.REJECTED and c.pk not in resubmitted]
    for claim in rejected:
        claim.rejection = next((d for d in reversed(list(claim.decisions.all())) if not d.approved), None)
        claim.form = (bound or {}).get(claim.pk) or forms.ResubmitForm(
            initial={"quantity": claim.quantity, "note": claim.note}, auto_id=f"id_{claim.pk}_%s")
    others = [c for c in claims if c not in rejected]
    shown = {c.pk for c in rejected}
    orphans = [form for pk, form in (bound or {}).items() if pk not in shown]
    return _render(request, "points/my_claims.html", {"rejected": rejected, "others": others,
                                                     "resubmitted": resubmitted, "problems": problems or [],
                                                     "orphan_form": orphans[0] if orphans else None}, status=status)


@login_required
@require_GET
def my_claims(request):
    refuse_without(request.user, caps.VIEW)
    return _my_claims_page(request)


@login_required
@require_POST
def resubmit(request, pk: int):
    claim = selectors.claim_for(request.user, pk)
    require(request.user, caps.RECORD, claim.path)
    form = forms.ResubmitForm(request.POST, request.FILES, auto_id=f"id_{claim.pk}_%s")
    if form.is_valid():
        d = form.cleaned_data

        def work():
            new = services.resubmit_claim(actor=Actor.from_request(request), claim=claim, quantity=d["quantity"],
                                          note=d["note"], photo=d["photo"], allow_duplicate=d["allow_duplicate"])
            return {"claim": new.pk, "batch": new.batch}

        try:
            result, _ = run_once(user=request.user, key=d["idempotency_key"], action="points.claims.resubmit",
                                 work=work)
        except services.DuplicateClaims as exc:
            form.add_error("allow_duplicate", exc.messages)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except IdempotencyConflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已重新提交：{claim.person.name}「{claim.rule_version.title}」，重新进入审核")
            return redirect("points-my-claims")
    return _my_claims_page(request, bound={claim.pk: form}, status=400)


@login_required
@require_POST
def withdraw(request, pk: int):
    """The recorder takes back a claim still in review; again is harmless (the claim stays withdrawn)."""
    claim = selectors.claim_for(request.user, pk)
    require(request.user, caps.RECORD, claim.path)
    try:
        services.withdraw_claim(actor=Actor.from_request(request), claim=claim)
    except ValidationError as exc:
        return _my_claims_page(request, problems=exc.messages, status=400)
    messages.success(request, f"已撤回：{claim.person.name}「{claim.rule_version.title}」{claim.deed_date:%Y-%m-%d}，"
                              "不再进入审核")
    return redirect("points-my-claims")


@login_required
@require_GET
def claim_photo(request, pk: int):
    claim = selectors.claim_for(request.user, pk)
    if not claim.photo:
        raise Http404("没有照片")
    try:
        handle = claim.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在") from exc
    content_type = mimetypes.guess_type(claim.photo.name)[0] or ""
    if not content_type.startswith("image/") or content_type == "image/svg+xml":
        return FileResponse(handle, as_attachment=True, content_type="application/octet-stream")
    return FileResponse(handle, content_type=content_type)


# ---------------------------------------------------------------- review


def _review_groups(queue):
    groups: dict[tuple, dict] = {}
    for claim in queue:
        key = (claim.grid_id, claim.batch, claim.stage)
        group = groups.setdefault(key, {"grid": claim.grid, "village": claim.village, "batch": claim.batch,
                                        "stage": claim.stage_label, "recorder": claim.recorder, "claims": []})
        group["claims"].append(claim)
    return list(groups.values())


@login_required
@require_http_methods(["GET", "POST"])
def review(request):
    user = request.user
    refuse_without(user, caps.VIEW)
    form, reasons, claim_errors = None, {}, {}
    if request.method == "POST":
        _require_reviewer(user)
        form = forms.ReviewForm(request.POST)
        reasons = {pk: request.POST.get(f"reason_{pk}", "").strip()
                   for pk in (int_or_none(v) for v in request.POST.getlist("claims")) if pk is not None}
        if form.is_valid():
            ids = form.cleaned_data["claims"]
            if selectors.visible_claim_ids(user, ids) != set(ids):
                raise Http404("未找到")
            approve = form.cleaned_data["action"] == "approve"

            def work():
                result = services.review_claims(actor=Actor.from_request(request), claim_ids=ids, approve=approve,
                                                reasons=reasons)
                return {"reviewed": result["reviewed"], "approve": approve,
                        "notices": [n.token for n in result["notices"]]}

            try:
                result, _ = run_once(user=user, key=form.cleaned_data["idempotency_key"],
                                     action="points.claims.review", work=work)
            except services.ClaimsRefused as exc:
                claim_errors = exc.by_claim
            except ValidationError as exc:
                add_service_errors(form, exc)
            except IdempotencyConflict as exc:
                form.add_error(None, str(exc))
            else:
                verb = "通过" if result["approve"] else "退回"
                messages.success(request, f"已{verb} {result['reviewed']} 条申报")
                url = reverse("points-review")
                if result["notices"]:
                    url += "?published=" + ",".join(result["notices"])
                return redirect(url)
    queue = selectors.with_history(selectors.review_queue(user))
    duplicates = selectors.possible_duplicates(user, queue)
    first_error = next((c.pk for c in queue if c.pk in claim_errors), None)
    for claim in queue:
        claim.typed_reason = reasons.get(claim.pk, "")
        claim.duplicates = duplicates.get(claim.pk, [])
        claim.error = claim_errors.pop(claim.pk, "")
        claim.first_error = claim.pk == first_error
    for message in claim_errors.values():  # refused claims no longer in the queue: above the list
        form.add_error(None, message)
    published = [t for t in request.GET.get("published", "").split(",") if TOKEN.match(t)]
    return _render(request, "points/review.html", {
        "groups": _review_groups(queue), "count": len(queue), "form": form or forms.ReviewForm(),
        "reasons": reasons, "published": published, "checked": set(reasons), "queued": {c.pk for c in queue},
    }, status=400 if form is not None else 200)


# ---------------------------------------------------------------- the rule catalogue


@login_required
@require_GET
def rules(request):
    user = request.user
    refuse_without(user, caps.VIEW)
    village = _village(request)
    if village is None:
        return redirect("points-templates")
    catalogue = selectors.village_catalogue(user, village)
    if catalogue is not None:
        return redirect("points-rule-set", pk=catalogue.pk)
    return _no_catalogue_page(request, village)


def _no_catalogue_page(request, village, *, copy_form=None, name_form=None, status=200):
    return _render(request, "points/rules_empty.html", {
        "village": village, "templates": selectors.templates_for(village),
        "can_manage": scope_of(request.user).can(caps.MANAGE_RULES, village.path),
        "copy_form": copy_form or forms.CopyForm(), "name_form": name_form or forms.RuleSetForm(
            initial={"name": f"{village.name}积分细则"}),
    }, status=status)


def _rule_set_page(request, rule_set, *, rule_form=None, adoption_form=None, status=200):
    today = timezone.localdate()
    adoptions = list(rule_set.adoptions.all())
    return _render(request, "points/rule_set.html", {
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
    return _render(request, "points/rule_revise.html", {"rule": rule, "latest": latest, "form": form,
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
    village = _village(request)
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
    return _render(request, "points/templates.html", {
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


# ---------------------------------------------------------------- notices and objections (staff)


@login_required
@require_GET
def notices(request):
    refuse_without(request.user, caps.VIEW)
    return _render(request, "points/notices.html", {"notices": selectors.notice_summaries(request.user),
                                                   "now": timezone.now()})


def _objections_page(request, *, bound: dict | None = None, status=200):
    objections = list(selectors.open_objections(request.user))
    for objection in objections:
        objection.form = (bound or {}).get(objection.pk) or forms.DecideForm(auto_id=f"id_{objection.pk}_%s")
    shown = {o.pk for o in objections}
    orphans = [form for pk, form in (bound or {}).items() if pk not in shown]
    return _render(request, "points/objections.html", {"objections": objections,
                                                       "orphan_form": orphans[0] if orphans else None}, status=status)


@login_required
@require_GET
def objections(request):
    refuse_without(request.user, caps.VIEW)
    return _objections_page(request)


@login_required
@require_POST
def objection_decide(request, pk: int):
    objection = selectors.objection_for(request.user, pk)
    require(request.user, caps.DECIDE_OBJECTIONS, objection.line.notice.path)
    form = forms.DecideForm(request.POST, auto_id=f"id_{objection.pk}_%s")
    if form.is_valid():
        uphold = form.cleaned_data["decision"] == "uphold"
        try:
            services.decide_objection(actor=Actor.from_request(request), objection=objection, uphold=uphold,
                                      reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "异议成立，该条已撤销" if uphold else "异议不成立，该条保留")
            return redirect("points-objections")
    return _objections_page(request, bound={objection.pk: form}, status=400)


# ---------------------------------------------------------------- the ledger: origin and household


def _entry_page(request, entry, *, form=None, status=200):
    adoption, adoption_direct = None, False
    if entry.rule_version is not None:
        adoption_direct = entry.rule_version.adoption is not None
        adoption = entry.rule_version.adoption or selectors.latest_adoption(
            entry.rule_version.rule.rule_set_id, entry.rule_version.effective_from)
    can_reverse = (scope_of(request.user).can(caps.REVERSE, entry.path) and entry.kind != EntryKind.REVERSAL
                   and entry.reversal is None)
    return _render(request, "points/entry.html", {
        "entry": entry, "adoption": adoption, "adoption_direct": adoption_direct, "can_reverse": can_reverse,
        "form": form or forms.ReverseForm(), "short": short_hash(entry.hash), "reversal_points": -entry.points,
    }, status=status)


@login_required
@require_GET
def entry(request, pk: int):
    return _entry_page(request, selectors.entry_origin(request.user, pk))


@login_required
@require_POST
def entry_reverse(request, pk: int):
    entry = selectors.entry_origin(request.user, pk)
    require(request.user, caps.REVERSE, entry.path)
    form = forms.ReverseForm(request.POST)
    if form.is_valid():
        def work():
            reversal = services.reverse_entry(actor=Actor.from_request(request), entry=entry,
                                              reason=form.cleaned_data["reason"])
            return {"entry": reversal.pk}

        try:
            result, _ = run_once(user=request.user, key=form.cleaned_data["idempotency_key"],
                                 action="points.entry.reverse", work=work)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except IdempotencyConflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已冲正，冲正记录已入账")
            return redirect("points-entry", pk=result["entry"])
    return _entry_page(request, entry, form=form, status=400)


@login_required
@require_GET
def household(request, pk: int):
    """Score and redeemable balance, whether it may redeem now, the year by month, every entry's origin."""
    from grassroots.points.board_views import household_context  # board_views imports this module

    household = area_selectors.household_detail(request.user, pk)
    return _render(request, "points/household.html",
                   household_context(request.user, household, timezone.localdate()))


# ---------------------------------------------------------------- public: the board


def _line_rows(notice) -> list[dict]:
    """What the board shows of each line: never a full name, a phone number, an ID number or a tag."""
    rows = []
    for line in notice.lines.all():
        claim = line.claim
        objections = list(line.objections.all())
        if line.status == LineStatus.WITHDRAWN:
            status = "异议成立，已撤销"
        elif any(o.status == ObjectionStatus.OPEN for o in objections):
            status = "有异议，复议中"
        elif notice.status == NoticeStatus.POSTED:
            status = "已入账"
        else:
            status = "公示中"
        rows.append({
            "pk": line.pk, "claim_id": claim.pk, "name": mask_name(claim.person.name),
            "household": claim.household.number, "rule": claim.rule_version.title, "quantity": claim.quantity,
            "unit": claim.rule_version.get_unit_display(), "points": claim.points, "status": status,
            "standing": line.status == LineStatus.STANDING, "objections": len(objections),
        })
    return rows


def _period(notice, now) -> dict:
    is_open = notice.status == NoticeStatus.OPEN and now < notice.closes_at
    left = notice.closes_at - now
    return {"open": is_open, "days_left": math.ceil(left.total_seconds() / 86400) if is_open else 0,
            "hours_left": math.ceil(left.total_seconds() / 3600) if is_open else 0}


def _public_page(request, notice, *, form=None, error_line=None, status=200):
    now = timezone.now()
    context = {"notice": notice, "rows": _line_rows(notice), "period": _period(notice, now), "form": form,
               "error_line": error_line, "objection_form": forms.ObjectionForm()}
    if notice.status == NoticeStatus.POSTED:
        check_url = request.build_absolute_uri(reverse("points-public-check", args=[notice.token]))
        context.update(short=short_hash(notice.chain_hash), check_url=check_url,
                       qr=qr_svg(check_url, label="扫码核验本次公示是否已入账"))
    context["total"] = sum(r["points"] for r in context["rows"] if r["standing"])
    return _render(request, "points/public_notice.html", context, status=status)


@require_http_methods(["GET", "POST"])
def public_notice(request, token: str):
    notice = selectors.public_notice(token)
    if request.method == "GET":
        return _public_page(request, notice)
    if not _rate_ok(request, "objection"):
        form = forms.ObjectionForm(request.POST)
        form.is_valid()
        form.add_error(None, "提交过于频繁，请稍后再试")
        return _public_page(request, notice, form=form, status=429)
    form = forms.ObjectionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        if d["website"]:  # the honeypot: answer as if accepted, record nothing
            messages.success(request, "异议已提交，村“两委”将复议并公开结论")
            return redirect("points-public-notice", token=notice.token)
        line = next((ln for ln in notice.lines.all() if ln.pk == d["line"]), None)
        if line is None:
            raise Http404("未找到该条目")
        try:
            services.raise_objection(actor=Actor.from_request(request), line=line, reason=d["reason"],
                                     contact_name=d["contact_name"], contact_phone=d["contact_phone"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "异议已提交，村“两委”将复议并公开结论")
            return redirect(reverse("points-public-notice", args=[notice.token]) + f"#line-{line.pk}")
    return _public_page(request, notice, form=form, error_line=int_or_none(request.POST.get("line")), status=400)


@require_GET
def public_check(request, token: str):
    notice = selectors.public_notice(token)
    if not _rate_ok(request, "check"):
        return _render(request, "points/public_check.html", {"notice": notice, "limited": True}, status=429)
    result = selectors.verify_notice(notice) if notice.status == NoticeStatus.POSTED else None
    rows = _line_rows(notice)
    if result is not None:
        broken_seq = result["broken"].seq if result["broken"] is not None else None
        for row in rows:
            entry = result["entries"].get(row["claim_id"])
            row["entry"] = entry
            row["short"] = short_hash(entry.hash) if entry else ""
            row["ok"] = entry is not None and (broken_seq is None or entry.seq < broken_seq) and (
                notice.chain_seq is None or entry.seq <= notice.chain_seq)
    typed = re.sub(r"[^0-9a-f]", "", request.GET.get("hash", "").lower())[:64]
    hash_match = None
    if typed and notice.chain_hash:
        hash_match = len(typed) >= 6 and notice.chain_hash.startswith(typed) and bool(result and result["head_matches"])
    return _render(request, "points/public_check.html", {
        "notice": notice, "result": result, "rows": [r for r in rows if r["standing"]],
        "short": short_hash(notice.chain_hash) if notice.chain_hash else "", "typed": typed,
        "hash_match": hash_match, "missing": (result["lines"] - result["found"]) if result else 0,
    })
