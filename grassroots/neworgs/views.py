"""The 两新 pages: the census list, one organisation, the four registers, the instructor pool; the census and
registers downloads; the two imports. Thin: parse, call a selector or a service, render. Every page is scoped with
party.capabilities: a caller who sees no 两新 organisation at all (a grid worker) gets 404."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.access.scope import access_area, access_scoped, refuse, scope_of, visible
from grassroots.audit.context import Actor
from grassroots.core.days import asked_day
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import run_form_once
from grassroots.core.table_import import import_page, template_response
from grassroots.neworgs import exports, forms, selectors, services
from grassroots.neworgs.models import Coverage, Dispatch, Instructor, NewOrganisation
from grassroots.party import capabilities as caps

REGISTER_CAP = 100  # rows of each register shown on the page; the workbook holds all
PAGE_SIZE = 50


def _day(request) -> date:
    return asked_day(request)[0]


def _seeing(user) -> None:
    """404 to a caller who sees no 两新 organisation anywhere (a grid worker, a cashier)."""
    if not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)


def _area(request, capability: str = caps.VIEW, *, required: bool = False):
    code = (request.GET.get("area") or "").strip()
    if code:
        return access_area(request.user, code=code, capability=capability)
    area = selectors.default_area(request.user, capability) if required else None
    if required and area is None:
        refuse(seen=bool(scope_of(request.user).paths(caps.VIEW)))
    return area


def _may_manage(user) -> bool:
    return bool(scope_of(user).paths(caps.MANAGE))


def _yes_no(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


# ------------------------------------------------------------------------------------------- census


@login_required
@require_http_methods(["GET", "POST"])
def census(request):
    user = request.user
    _seeing(user)
    day, area = _day(request), _area(request)
    form = None
    if _may_manage(user):
        form = forms.NewOrganisationForm(request.POST or None, areas=selectors.areas_for_census(user))
    elif request.method == "POST":
        refuse(seen=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def work():
            made = services.register_new_organisation(
                actor=Actor.from_request(request), name=data["name"], kind=data["kind"], area=data["area"],
                registered_on=data["registered_on"], credit_code=data["credit_code"], industry=data["industry"])
            return {"pk": made.pk}

        done = run_form_once(request, form, action="neworgs.organisation.register", work=work)
        if done:
            messages.success(request, "已纳入台账，请录入普查数据")
            return redirect("neworgs-organisation", pk=done.result["pk"])
    kind = request.GET.get("kind", "")
    rows = selectors.census_list(user, day=day, area=area,
                                 kind=kind if kind in NewOrganisation.Kind.values else "",
                                 qualifies=_yes_no(request.GET.get("qualifies", "")),
                                 covered=_yes_no(request.GET.get("covered", "")),
                                 search=(request.GET.get("q") or "").strip()[:50])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "neworgs/census.html", {
        "page": page, "day": day, "area": area, "form": form, "kinds": NewOrganisation.Kind.choices,
        "filters": request.GET, "query": query.urlencode(), "may_manage": form is not None,
    }, status=400 if request.method == "POST" else 200)


def _export_area(request):
    area = _area(request, caps.VIEW, required=True)
    scope = scope_of(request.user)
    if not scope.can(caps.EXPORT, area.path):
        refuse(seen=scope.can(caps.VIEW, area.path))
    return area


@login_required
@require_GET
@reads_from_replica
def census_xlsx(request):
    _seeing(request.user)
    area, day = _export_area(request), _day(request)
    rows = selectors.census_list(request.user, day=day, area=area)
    return xlsx_response(f"两新组织台账-{area.name}-{day}.xlsx", exports.CENSUS_HEADERS, exports.census_rows(rows),
                         title="两新组织台账")


@login_required
@require_http_methods(["GET", "POST"])
def census_import(request):
    user = request.user
    _seeing(user)
    area = _area(request, caps.MANAGE, required=True)
    services.authorise_manage(Actor.from_request(request), area.path)
    if request.GET.get("template"):
        return template_response("两新组织普查导入模板.xlsx", services.CENSUS_COLUMNS, services.CENSUS_EXAMPLE)
    return _import_page(request, area=area, title="导入两新组织普查数据", template_url="?template=1",
                        run=lambda upload: services.import_census(actor=Actor.from_request(request), upload=upload,
                                                                  within=area),
                        done_message=lambda s: f"已导入：新纳入 {s['organisations']} 个组织，普查数据 {s['returns']} 条"
                                               f"（已录入而相同的 {s['skipped']} 行未重复写入）",
                        back=reverse("neworgs-census"),
                        columns=services.CENSUS_COLUMNS)


def _import_page(request, *, area, title, template_url, run, done_message, back, columns):
    return import_page(request, template="neworgs/import.html", run=run,
                       done=lambda summary: (done_message(summary), back),
                       context={"title": title, "area": area, "template_url": template_url, "back": back,
                                "headers": [c.header for c in columns]})


# ------------------------------------------------------------------------------------------- one organisation

ACTIONS = ("return", "cover", "end_coverage", "dispatch", "end_dispatch", "close")


def _organisation_forms(request, organisation, post=None, which=""):
    user = request.user
    bound = lambda name: post if which == name else None  # noqa: E731
    return {
        "return": forms.CensusReturnForm(bound("return"), prefix="return"),
        "cover": forms.CoverForm(bound("cover"), prefix="cover", organisations=selectors.covering_organisations(user)),
        "end_coverage": forms.EndForm(bound("end_coverage"), prefix="end_coverage"),
        "dispatch": forms.DispatchForm(bound("dispatch"), prefix="dispatch", fixed=organisation,
                                       instructors=visible(user, Instructor.objects.filter(left_on__isnull=True),
                                                           caps.MANAGE).order_by("name"),
                                       new_organisations=NewOrganisation.objects.filter(pk=organisation.pk)),
        "end_dispatch": forms.EndForm(bound("end_dispatch"), prefix="end_dispatch"),
        "close": forms.EndForm(bound("close"), prefix="close"),
    }


def _act(request, organisation, which, form):
    actor, data = Actor.from_request(request), form.cleaned_data
    if which == "return":
        services.record_census_return(actor=actor, new_organisation=organisation, counted_on=data["counted_on"],
                                      employees=data["employees"], full_members=data["full_members"],
                                      probationary_members=data["probationary_members"] or 0)
        return "已录入普查数据"
    if which == "cover":
        services.cover(actor=actor, new_organisation=organisation, organisation=data["organisation"],
                       started_on=data["started_on"])
        return "已登记党组织覆盖"
    if which == "end_coverage":
        row = access_scoped(Coverage.objects.filter(new_organisation=organisation), pk=data["row"])
        services.end_coverage(actor=actor, coverage=row, ended_on=data["day"])
        return "覆盖已结束"
    if which == "dispatch":
        services.dispatch(actor=actor, instructor=data["instructor"], new_organisation=organisation,
                          started_on=data["started_on"])
        return "已选派指导员"
    if which == "end_dispatch":
        row = access_scoped(Dispatch.objects.filter(new_organisation=organisation), pk=data["row"])
        services.end_dispatch(actor=actor, dispatch=row, ended_on=data["day"])
        return "选派已结束"
    services.close_new_organisation(actor=actor, new_organisation=organisation, closed_on=data["day"])
    return "已注销"


@login_required
@require_http_methods(["GET", "POST"])
def organisation(request, pk: int):
    user = request.user
    found = selectors.new_organisation_detail(user, pk)
    may_manage = scope_of(user).can(caps.MANAGE, found.path)
    which = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        services.authorise_manage(Actor.from_request(request), found.path)
        if which not in ACTIONS:
            which = ""
    all_forms = _organisation_forms(request, found, request.POST, which) if may_manage else {}
    if which:
        form = all_forms[which]
        if form.is_valid():
            done = run_form_once(request, form, action=f"neworgs.organisation.{which}",
                                 work=lambda: {"message": _act(request, found, which, form)})
            if done:
                messages.success(request, done.result["message"])
                return redirect("neworgs-organisation", pk=found.pk)
    day = _day(request)
    [figures] = selectors.with_figures(NewOrganisation.objects.filter(pk=found.pk), day)
    return render(request, "neworgs/organisation.html", {
        "o": found, "figures": figures, "day": day, "forms": all_forms, "may_manage": may_manage,
    }, status=400 if request.method == "POST" else 200)


# ------------------------------------------------------------------------------------------- registers


def _capped(queryset):
    rows = list(queryset[:REGISTER_CAP + 1])
    total = len(rows) if len(rows) <= REGISTER_CAP else queryset.count()
    return {"rows": rows[:REGISTER_CAP], "total": total, "capped": total > REGISTER_CAP}


@login_required
@require_GET
@reads_from_replica
def registers(request):
    _seeing(request.user)
    area, day = _area(request, required=True), _day(request)
    four = selectors.four_registers(request.user, area=area, day=day)
    return render(request, "neworgs/registers.html", {
        "four": four, "area": area, "day": day, "built": _capped(four.built), "reserve": _capped(four.reserve),
        "dispatched": _capped(four.dispatched), "newly_built": _capped(four.newly_built), "gap": _capped(four.gap),
        "may_export": scope_of(request.user).can(caps.EXPORT, area.path), "cap": REGISTER_CAP,
    })


@login_required
@require_GET
@reads_from_replica
def registers_xlsx(request):
    _seeing(request.user)
    area, day = _export_area(request), _day(request)
    four = selectors.four_registers(request.user, area=area, day=day)
    sheets = exports.register_sheets(four)
    first = sheets[0]
    return xlsx_response(f"两新组织四本台账-{area.name}-{day}.xlsx", first.headers, first.rows, title=first.title,
                         more=sheets[1:])


# ------------------------------------------------------------------------------------------- instructors


@login_required
@require_http_methods(["GET", "POST"])
def instructors(request):
    user = request.user
    _seeing(user)
    day, area = _day(request), _area(request)
    may_manage = _may_manage(user)
    if request.method == "POST" and not may_manage:
        refuse(seen=True)
    which = request.POST.get("action", "") if request.method == "POST" else ""
    manage_pool = visible(user, Instructor.objects.filter(left_on__isnull=True), caps.MANAGE).order_by("name")
    census_rows = visible(user, NewOrganisation.objects.filter(closed_on__isnull=True), caps.MANAGE)
    add = forms.InstructorForm(request.POST if which == "add" else None, prefix="add")
    send = forms.DispatchForm(request.POST if which == "dispatch" else None, prefix="dispatch",
                              instructors=manage_pool, new_organisations=census_rows.order_by("path", "name"))
    leave = forms.EndForm(request.POST if which == "leave" else None, prefix="leave")
    form = {"add": add, "dispatch": send, "leave": leave}.get(which)
    if form is not None and form.is_valid():
        actor, data = Actor.from_request(request), form.cleaned_data

        def work():
            if which == "add":
                pool_area = selectors.default_area(user, caps.MANAGE)
                services.add_instructor(actor=actor, area=pool_area, name=data["name"], employer=data["employer"],
                                        title=data["title"], mobile=data["mobile"], joined_on=data["joined_on"])
                return {"message": f"指导员“{data['name']}”已入库"}
            if which == "dispatch":
                services.dispatch(actor=actor, instructor=data["instructor"],
                                  new_organisation=data["new_organisation"], started_on=data["started_on"])
                return {"message": f"已选派“{data['instructor']}”到“{data['new_organisation']}”"}
            leaving = access_scoped(manage_pool, pk=data["row"])
            services.instructor_leaves(actor=actor, instructor=leaving, left_on=data["day"])
            return {"message": f"指导员“{leaving}”已退出人才库"}

        done = run_form_once(request, form, action=f"neworgs.instructor.{which}", work=work)
        if done:
            messages.success(request, done.result["message"])
            return redirect("neworgs-instructors")
    pool = selectors.instructor_pool(user, day=day, area=area)
    return render(request, "neworgs/instructors.html", {
        "pool": pool, "day": day, "area": area, "may_manage": may_manage, "add": add, "send": send, "leave": leave,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def instructors_import(request):
    _seeing(request.user)
    area = _area(request, caps.MANAGE, required=True)
    services.authorise_manage(Actor.from_request(request), area.path)
    if request.GET.get("template"):
        return template_response("党建工作指导员导入模板.xlsx", services.INSTRUCTOR_COLUMNS, services.INSTRUCTOR_EXAMPLE)
    return _import_page(request, area=area, title="导入党建工作指导员人才库", template_url="?template=1",
                        run=lambda upload: services.import_instructors(actor=Actor.from_request(request),
                                                                       upload=upload, area=area),
                        done_message=lambda s: f"已入库 {s['instructors']} 名指导员（已在库的 {s['skipped']} 名未重复写入）",
                        back=reverse("neworgs-instructors"), columns=services.INSTRUCTOR_COLUMNS)

