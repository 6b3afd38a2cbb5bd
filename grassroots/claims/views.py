"""The points hub and the claim pages: recording (one person or a batch), my claims, review, notices and
objections (signed in)."""

import mimetypes
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import refuse_without, require, scope_of
from grassroots.areas import selectors as area_selectors
from grassroots.audit.context import Actor
from grassroots.boards.views import TOKEN
from grassroots.catalogue import selectors as catalogue_selectors
from grassroots.claims import forms, selectors, services
from grassroots.claims.models import ClaimStatus
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.points import capabilities as caps
from grassroots.points.pages import area_from_request, render_page, village_from_request


def _require_reviewer(user) -> None:
    scope = scope_of(user)
    if scope.everything or {role for role, _ in scope.assignments} & selectors.reviewer_roles():
        return
    refuse_without(user, "points.review")  # held by nobody: 403 to members, 404 to strangers


@login_required
@require_GET
def home(request):
    refuse_without(request.user, caps.VIEW)
    return render_page(request, "claims/home.html", {"village": village_from_request(request)})


def _save_claims(request, form):
    """Record the claims of a valid form, once per idempotency key. A redirect, or None with errors on the form."""
    d = form.cleaned_data
    rule = catalogue_selectors.readable_rule(request.user, d["rule"])

    def work():
        claims = services.record_claims(actor=Actor.from_request(request), person_ids=d["people"], rule=rule,
                                        quantity=d["quantity"], deed_date=d["deed_date"], note=d["note"],
                                        photo=d["photo"], allow_duplicate=d["allow_duplicate"])
        return {"batch": claims[0].batch, "claims": [c.pk for c in claims]}

    try:
        done = run_form_once(request, form, action="points.claims.record", work=work,
                             let_through=(services.DuplicateClaims,))
    except services.DuplicateClaims as exc:
        # Shown beside the box "我已核实，这是另一件事，仍要记录": ticking it and confirming records anyway.
        form.add_error("allow_duplicate", exc.messages)
        return None
    if not done:
        return None
    url = reverse("points-record-done", args=[done.result["batch"]])
    return redirect(url + ("?again=1" if done.replayed else ""))


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
        template = "claims/_people.html" if request.htmx else "claims/record_person.html"
        return render_page(request, template, {"people": people, "q": q, "area": area})
    person = area_selectors.person_detail(user, person_id)
    require(user, caps.RECORD, person.path)
    village_id = person.household.village_id if person.household_id else None
    catalogue = catalogue_selectors.village_catalogue(user, village_id) if village_id else None
    if rule_id is None:
        categories = person.category_codes()
        versions = catalogue_selectors.rules_in_force(catalogue, today) if catalogue else []
        fitting = [v for v in versions if categories & set(v.categories)]
        return render_page(request, "claims/record_rule.html", {
            "person": person, "versions": fitting, "catalogue": catalogue, "others": len(versions) - len(fitting)})
    rule = catalogue_selectors.readable_rule(user, rule_id)
    version = catalogue_selectors.version_in_force(rule, today)
    if form is None:
        form = forms.ClaimForm(initial={"people": [person.pk], "rule": rule.pk})
    return render_page(request, "claims/record_confirm.html", {
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
    village = village_from_request(request)
    if rule_id is None:
        catalogue = catalogue_selectors.village_catalogue(user, village) if village else None
        versions = catalogue_selectors.rules_in_force(catalogue, today) if catalogue else []
        return render_page(request, "claims/batch_rule.html", {"versions": versions, "catalogue": catalogue,
                                                          "area": area})
    rule = catalogue_selectors.readable_rule(user, rule_id)
    version = catalogue_selectors.version_in_force(rule, today)
    people = selectors.recordable_people(user, area) if area else []
    fitting = set(version.categories) if version else set()
    for person in people:
        person.fits = bool(person.category_codes() & fitting)
    if form is None:
        form = forms.ClaimForm(initial={"rule": rule.pk})
    chosen = {int_or_none(v) for v in request.POST.getlist("people")} if form.is_bound else set()
    return render_page(request, "claims/batch_people.html", {
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
    return render_page(request, "claims/record_done.html", {
        "claims": claims, "first": first, "total": sum(c.points for c in claims),
        "again": request.GET.get("again") == "1",
    })


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
    return render_page(request, "claims/my_claims.html", {"rejected": rejected, "others": others,
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
            done = run_form_once(request, form, action="points.claims.resubmit", work=work,
                                 let_through=(services.DuplicateClaims,))
        except services.DuplicateClaims as exc:
            form.add_error("allow_duplicate", exc.messages)
        else:
            if done:
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
    area = area_from_request(request)
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
                done = run_form_once(request, form, action="points.claims.review", work=work,
                                     let_through=(services.ClaimsRefused,))
            except services.ClaimsRefused as exc:
                claim_errors = exc.by_claim
            else:
                if done:
                    result = done.result
                    verb = "通过" if result["approve"] else "退回"
                    messages.success(request, f"已{verb} {result['reviewed']} 条申报")
                    query = {**({"area": area.code} if area else {}),
                             **({"published": ",".join(result["notices"])} if result["notices"] else {})}
                    return redirect(reverse("points-review") + (f"?{urlencode(query)}" if query else ""))
    queue = selectors.with_history(selectors.review_queue(user, within=area))
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
    return render_page(request, "claims/review.html", {
        "groups": _review_groups(queue), "count": len(queue), "form": form or forms.ReviewForm(),
        "reasons": reasons, "published": published, "checked": set(reasons), "queued": {c.pk for c in queue},
        "area": area, "actionable": any(c.mine for c in queue),
    }, status=400 if form is not None else 200)


@login_required
@require_GET
def notices(request):
    refuse_without(request.user, caps.VIEW)
    return render_page(request, "claims/notices.html", {"notices": selectors.notice_summaries(request.user),
                                                   "now": timezone.now()})


def _objections_page(request, *, bound: dict | None = None, status=200, area=None):
    objections = list(selectors.open_objections(request.user, within=area))
    scope = scope_of(request.user)
    for objection in objections:
        # Listed for an area (?area=): a caller who may not decide it sees it, without the form or the contact.
        objection.may_decide = scope.can(caps.DECIDE_OBJECTIONS, objection.line.notice.path)
        objection.form = (bound or {}).get(objection.pk) or forms.DecideForm(auto_id=f"id_{objection.pk}_%s")
    shown = {o.pk for o in objections}
    orphans = [form for pk, form in (bound or {}).items() if pk not in shown]
    return render_page(request, "claims/objections.html", {"objections": objections, "area": area,
                                                       "orphan_form": orphans[0] if orphans else None}, status=status)


@login_required
@require_GET
def objections(request):
    refuse_without(request.user, caps.VIEW)
    return _objections_page(request, area=area_from_request(request))


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
