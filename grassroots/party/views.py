"""Pages of the party organisation tree: the tree as of a day, one organisation, the organisation department's
forms (create, edit, move, dissolve, rectification), the weak organisations, the 最强党支部 checklist and a branch's
evidence, and the Excel export and import. Thin: parse → one service or selector → render.

Scoped through access.scope: an organisation the caller does not reach is 404, and so is every page for a caller
who sees no party register at all (a grid worker, a cashier); one who may only look gets 403 on a write.
"""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import (
    access_area,
    access_scoped,
    reaches_organisation,
    refuse,
    require_organisation,
    scope_of,
    visible_organisations,
)
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.core.table_import import import_page, template_response
from grassroots.party import capabilities as caps
from grassroots.party import forms, selectors, services
from grassroots.party.models import ModelBranchItem, Organisation
from grassroots.party.photos import evidence_photo_response
from grassroots.rules import party_tree

EXPORT_HEADERS = ["组织代码", "名称", "类别", "建在", "所在单位", "所在区域代码", "所在区域", "上级组织代码",
                  "上级组织", "成立日期", "撤销日期", "状态", "党员数"]


# ---------------------------------------------------------------- helpers


def _sees_party(user, capability: str = caps.VIEW) -> None:
    """404 for a caller who holds ``capability`` nowhere: to a grid worker or a cashier the registers do not
    exist; 403 for one who sees them but may not do this."""
    scope = scope_of(user)
    if not scope.paths(capability):
        refuse(seen=bool(scope.paths(caps.VIEW)))


def _day(request) -> tuple[date, str]:
    """``?day=YYYY-MM-DD`` (default today) and a message when it could not be read (shown in the page's heading)."""
    return asked_day(request, say=False)


def _area(request) -> Area | None:
    """``?area=<code>``: the area whose organisations a list keeps (404 when the caller sees no party register
    there; an organisation secretary, whose role sits on an organisation inside the area, opens it too)."""
    code = (request.GET.get("area") or "").strip()
    return access_area(request.user, code=code, capability=caps.VIEW, from_inside=True) if code else None


def _year(request) -> int:
    year = int_or_none(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else timezone.localdate().year


def _can(user, organisation: Organisation) -> dict:
    return {"manage": reaches_organisation(user, caps.MANAGE, organisation),
            "record": reaches_organisation(user, caps.RECORD, organisation)}


def _organisation(request, pk: int, capability: str | None = None) -> Organisation:
    """The organisation (404 when not the caller's); 403 to one who may look but lacks ``capability``."""
    organisation = selectors.organisation_for(request.user, pk)
    if capability:
        require_organisation(request.user, capability, organisation, seen_with=caps.VIEW)
    return organisation


def _manages_somewhere(user) -> bool:
    return bool(scope_of(user).paths(caps.MANAGE))


# ---------------------------------------------------------------- the tree and one organisation


@login_required
@require_GET
def home(request):
    _sees_party(request.user)
    day, bad_day = _day(request)
    q = (request.GET.get("q") or "").strip()[:50]
    area = _area(request)
    organisations = selectors.tree(request.user, day=day, q=q, area=area)
    year = day.year
    done = selectors.progress([o.pk for o in organisations if o.kind == Organisation.Kind.BRANCH], year)
    for o in organisations:
        o.progress = done.get(o.pk)
    return render(request, "party/home.html", {
        "organisations": organisations, "day": day, "bad_day": bad_day, "q": q, "year": year, "area": area,
        "is_today": day == timezone.localdate(), "manages": _manages_somewhere(request.user),
        "exports": bool(scope_of(request.user).paths(caps.EXPORT)),
        "members": sum(o.member_count for o in organisations if not q),
    })


@login_required
@require_GET
def organisation(request, pk: int):
    day, bad_day = _day(request)
    org = selectors.organisation_on(request.user, pk, day=day)
    year = day.year
    progress = selectors.progress([org.pk], year)[org.pk] if org.kind == Organisation.Kind.BRANCH else None
    return render(request, "party/organisation.html", {
        "org": org, "day": day, "bad_day": bad_day, "year": year, "can": _can(request.user, org),
        "children": selectors.children(request.user, org, day=day),
        "rectifications": selectors.rectifications_of(org), "progress": progress,
        "parent_visible": org.parent_id and reaches_organisation(request.user, caps.VIEW, org.parent),
    })


# ---------------------------------------------------------------- create, edit, move, dissolve


def _form_page(request, template: str, context: dict, status: int = 200):
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_new(request):
    _sees_party(request.user, caps.MANAGE)
    parent_id = int_or_none(request.GET.get("parent") or request.POST.get("parent"))
    parent = _organisation(request, parent_id, caps.MANAGE) if parent_id else None
    if request.method == "GET":
        form = forms.OrganisationForm(initial={"area": parent.area.code if parent else ""})
        return _form_page(request, "party/organisation_form.html", {"form": form, "parent": parent})
    form = forms.OrganisationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        area = parent.area if parent and not d["area"] else None
        if area is None:
            if not d["area"]:
                form.add_error("area", "请填写所在区域代码")
            else:
                try:
                    area = access_area(request.user, code=d["area"], capability=caps.MANAGE)
                except Http404:
                    form.add_error("area", f"所在区域代码“{d['area']}”不存在或不在您管理的范围内")
        if area is not None:
            def work() -> dict:
                made = services.create_organisation(
                    actor=Actor.from_request(request), name=d["name"], kind=d["kind"], area=area,
                    founded_on=d["founded_on"], parent=parent, host=d["host"], host_name=d["host_name"],
                    code=d["code"], is_cloud_branch=d["is_cloud_branch"])
                return {"id": made.pk, "name": made.name}

            done = run_form_once(request, form, action="party.organisation.create", work=work)
            if done is not None:
                messages.success(request, f"已建立“{done.result['name']}”")
                return redirect("party-organisation", pk=done.result["id"])
    return _form_page(request, "party/organisation_form.html", {"form": form, "parent": parent}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk: int):
    org = _organisation(request, pk, caps.MANAGE)
    if request.method == "GET":
        form = forms.EditForm(initial={"name": org.name, "code": org.code or "", "host_name": org.host_name,
                                       "is_cloud_branch": org.is_cloud_branch})
        return _form_page(request, "party/edit_form.html", {"form": form, "org": org})
    form = forms.EditForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.update_organisation(actor=Actor.from_request(request), organisation=org, name=d["name"],
                                         code=d["code"], host_name=d["host_name"],
                                         is_cloud_branch=d["is_cloud_branch"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("party-organisation", pk=org.pk)
    return _form_page(request, "party/edit_form.html", {"form": form, "org": org}, status=400)


def _parents_for(request, org: Organisation) -> list[Organisation]:
    """Where ``org`` may go: organisations the caller manages, of a kind it may sit under, not in its subtree."""
    rows = visible_organisations(request.user, Organisation.objects.exclude(status=Organisation.Status.DISSOLVED)
                                 .exclude(path__startswith=org.path)
                                 .filter(kind__in=party_tree.ALLOWED_PARENTS[org.kind]), caps.MANAGE)
    return list(rows.order_by("path"))


@login_required
@require_http_methods(["GET", "POST"])
def organisation_move(request, pk: int):
    org = _organisation(request, pk, caps.MANAGE)
    parents = _parents_for(request, org)
    form = forms.MoveForm(request.POST or None, parents=parents, initial={"parent": org.parent_id})
    if request.method == "POST" and form.is_valid():
        parent = selectors.organisation_for(request.user, form.cleaned_data["parent"])
        try:
            services.move_organisation(actor=Actor.from_request(request), organisation=org, parent=parent)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已将“{org.name}”调整到“{parent.name}”之下")
            return redirect("party-organisation", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(request, "party/move_form.html", {"form": form, "org": org}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_dissolve(request, pk: int):
    org = _organisation(request, pk, caps.MANAGE)
    form = forms.DissolveForm(request.POST or None, initial={"dissolved_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.dissolve_organisation(actor=Actor.from_request(request), organisation=org,
                                           dissolved_on=form.cleaned_data["dissolved_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{org.name}”已撤销（历史记录保留）")
            return redirect("party-organisation", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(request, "party/dissolve_form.html", {"form": form, "org": org}, status=status)


# ---------------------------------------------------------------- rectification


@login_required
@require_GET
def rectifications(request):
    _sees_party(request.user)
    day, bad_day = _day(request)
    area = _area(request)
    return render(request, "party/rectifications.html", {
        "rows": list(selectors.rectifications(request.user, day=day, area=area)), "day": day, "bad_day": bad_day,
        "is_today": day == timezone.localdate(), "area": area})


@login_required
@require_http_methods(["GET", "POST"])
def rectification_open(request, pk: int):
    org = _organisation(request, pk, caps.MANAGE)
    if request.method == "GET":
        form = forms.RectificationForm(initial={"identified_on": timezone.localdate()})
        return _form_page(request, "party/rectification_form.html", {"form": form, "org": org})
    form = forms.RectificationForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data

        def work() -> dict:
            made = services.open_rectification(
                actor=Actor.from_request(request), organisation=org, identified_on=d["identified_on"],
                reasons=d["reasons"], measures=d["measures"], responsible=d["responsible"], due_on=d["due_on"])
            return {"id": made.pk}

        if run_form_once(request, form, action="party.rectification.open", work=work) is not None:
            messages.success(request, f"已将“{org.name}”列为软弱涣散党组织，开始整顿")
            return redirect("party-organisation", pk=org.pk)
    return _form_page(request, "party/rectification_form.html", {"form": form, "org": org}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def rectification_complete(request, pk: int):
    rectification = selectors.rectification_for(request.user, pk)
    org = rectification.organisation
    require_organisation(request.user, caps.MANAGE, org, seen_with=caps.VIEW)
    form = forms.CompleteForm(request.POST or None, initial={"completed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_rectification(actor=Actor.from_request(request), rectification=rectification,
                                            completed_on=form.cleaned_data["completed_on"],
                                            result=form.cleaned_data["result"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"“{org.name}”整顿已验收")
            return redirect("party-organisation", pk=org.pk)
    status = 400 if request.method == "POST" else 200
    return _form_page(request, "party/complete_form.html", {"form": form, "org": org, "r": rectification},
                      status=status)


# ---------------------------------------------------------------- 最强党支部


@login_required
@require_GET
def model_branch(request):
    """The year's checklist and every branch's progress; the department publishes the checklist here."""
    _sees_party(request.user)
    year = _year(request)
    items = selectors.checklist(year)
    manages = _manages_somewhere(request.user)
    form = None
    if manages:
        form = forms.PublishForm(initial={"texts": "\n".join(i.text for i in items)
                                          or "\n".join(party_tree.SEED_CHECKLIST)})
    return render(request, "party/model_branch.html", {
        "year": year, "items": items, "branches": selectors.branches(request.user, year=year),
        "manages": manages, "form": form})


@login_required
@require_POST
def model_branch_publish(request, year: int):
    _sees_party(request.user, caps.MANAGE)
    form = forms.PublishForm(request.POST)
    if form.is_valid():
        try:
            services.publish_model_items(actor=Actor.from_request(request), year=year,
                                         texts=form.cleaned_data["texts"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已发布 {year} 年最强党支部创建标准")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('party-model-branch')}?year={year}")


def _evidence_page(request, org, year, status=200, forms_by_item=None):
    items = selectors.checklist(year)
    evidence = selectors.evidence_of(org, year)
    forms_by_item = forms_by_item or {}
    rows = []
    for item in items:
        found = evidence.get(item.pk)
        rows.append((item, found, forms_by_item.get(item.pk) or forms.EvidenceForm(prefix=f"i{item.pk}"),
                     forms.DecideForm(auto_id=f"id_d{found.pk}_%s") if found else None))  # one id per form
    return render(request, "party/evidence.html", {
        "org": org, "year": year, "rows": rows, "can": _can(request.user, org),
        "progress": selectors.progress([org.pk], year)[org.pk]}, status=status)


@login_required
@require_GET
def evidence(request, pk: int):
    org = _organisation(request, pk)
    if org.kind != Organisation.Kind.BRANCH:
        raise Http404("只有党支部参加最强党支部创建")
    return _evidence_page(request, org, _year(request))


@login_required
@require_POST
def evidence_submit(request, pk: int, item: int):
    org = _organisation(request, pk, caps.RECORD)
    item = access_scoped(ModelBranchItem.objects.all(), pk=item)
    form = forms.EvidenceForm(request.POST, request.FILES, prefix=f"i{item.pk}")
    if form.is_valid():
        try:
            services.submit_evidence(actor=Actor.from_request(request), organisation=org, item=item,
                                     note=form.cleaned_data["note"], photo=form.cleaned_data["photo"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"第 {item.number} 条佐证已提交，等待组织部门审核")
            return redirect(f"{reverse('party-evidence', args=[org.pk])}?year={item.year}")
    return _evidence_page(request, org, item.year, status=400, forms_by_item={item.pk: form})


@login_required
@require_POST
def evidence_decide(request, pk: int):
    found = selectors.evidence_for(request.user, pk)
    require_organisation(request.user, caps.MANAGE, found.organisation, seen_with=caps.VIEW)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        try:
            services.decide_evidence(actor=Actor.from_request(request), evidence=found,
                                     verdict=form.cleaned_data["verdict"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"第 {found.item.number} 条已审核")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('party-evidence', args=[found.organisation_id])}?year={found.item.year}")


@login_required
@require_GET
def evidence_photo(request, pk: int):
    """The evidence photo, from private storage, to whoever sees the branch; it has no public URL."""
    return evidence_photo_response(selectors.evidence_for(request.user, pk))


# ---------------------------------------------------------------- Excel


@login_required
@require_GET
@reads_from_replica
def organisations_xlsx(request):
    _sees_party(request.user, caps.EXPORT)
    day, _ = _day(request)
    rows = selectors.tree(request.user, day=day, capability=caps.EXPORT)
    return xlsx_response(f"党组织_{day.isoformat()}.xlsx", EXPORT_HEADERS, [
        [o.code or "", o.name, o.get_kind_display(), o.get_host_display(), o.host_name, o.area.code, o.area.name,
         (o.parent.code or "") if o.parent else "", o.parent.name if o.parent else "", o.founded_on,
         o.dissolved_on if o.dissolved_on and o.dissolved_on <= day else None, o.status_that_day_label,
         o.member_count] for o in rows], title="党组织")


@login_required
@require_GET
def import_template(request):
    _sees_party(request.user, caps.MANAGE)
    return template_response("党组织导入模板.xlsx", services.IMPORT_COLUMNS, services.IMPORT_EXAMPLE)


@login_required
@require_http_methods(["GET", "POST"])
def organisations_import(request):
    _sees_party(request.user, caps.MANAGE)
    return import_page(
        request, template="party/import.html", context={"columns": services.IMPORT_COLUMNS},
        run=lambda upload: services.import_organisations(actor=Actor.from_request(request), upload=upload),
        done=lambda made: (f"已导入 {len(made)} 个党组织", reverse("party-home")))
