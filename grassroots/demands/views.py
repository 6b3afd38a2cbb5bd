"""Staff pages: thin — parse, check through permissions/scope, call one service or selector, render."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from grassroots.access.scope import access_object, access_scoped, refuse, require, scope_of
from grassroots.areas.models import Area, Person
from grassroots.audit.context import Actor
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import Sheet, xlsx_response
from grassroots.core.idempotency import IdempotencyConflict
from grassroots.demands import permissions, selectors, services, suggestions
from grassroots.demands.capabilities import CLAIM, DISPATCH, EXPORT, RECORD, VIEW
from grassroots.demands.forms import (
    CallbackRatingForm,
    ClaimForm,
    FulfilForm,
    HandleForm,
    PeriodForm,
    RouteForm,
    StaffDemandForm,
)
from grassroots.demands.models import Demand, DemandPhoto, Feedback, WishClaim
from grassroots.rules import sla


def _area_from_request(request, capability: str = VIEW) -> Area:
    code = request.GET.get("area", "").strip()
    if code:
        return selectors.area_with(request.user, code, capability)
    area = selectors.default_area(request.user, request.current_area)
    if area is None:
        permissions.refuse_without(request.user, capability)
        refuse(seen=False)
    return area


# ---------------------------------------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def demand_list(request):
    if not scope_of(request.user).paths(VIEW) and permissions.unit_ids(request.user):
        return redirect("demands-units")
    area = _area_from_request(request)
    g = request.GET
    page = selectors.area_demands(request.user, area, status=g.get("status", ""), kind=g.get("kind", ""),
                                  urgent=g.get("urgent") == "1", unrouted=g.get("unrouted") == "1",
                                  before=g.get("before"))
    scope = scope_of(request.user)
    return render(request, "demands/list.html", {
        "area": area, "page": page, "now": timezone.now(), "statuses": [(selectors.OPEN_FILTER, "未办结"), *Demand.Status.choices],
        "kinds": Demand.Kind.choices, "filters": g, "can_record": bool(scope.paths(RECORD)),
        "my_units": selectors.my_units(request.user),
    })


@login_required
@require_GET
def overdue_list(request):
    area = _area_from_request(request)
    now = timezone.now()
    page = selectors.overdue(request.user, area, now=now, after=request.GET.get("after"))
    return render(request, "demands/overdue.html", {
        "area": area, "page": page, "now": now,
        "notifications": selectors.notifications_for_area(area) if area.level in ("township", "county") else [],
    })


@login_required
@require_GET
def unit_list(request):
    units = list(selectors.visible_units(request.user)[:300])
    if not units:
        permissions.refuse_without(request.user, VIEW)
    mine = permissions.unit_ids(request.user)
    return render(request, "demands/units.html", {"units": units, "mine": mine,
                                                  "claims": selectors.my_claims(request.user)})


@login_required
@require_GET
def unit_queue(request, code: str):
    unit = selectors.unit_for(request.user, code)
    page = selectors.unit_queue(request.user, unit, after=request.GET.get("after"),
                                urgent_only=request.GET.get("urgent") == "1")
    return render(request, "demands/unit_queue.html", {
        "unit": unit, "page": page, "now": timezone.now(), "is_member": unit.pk in permissions.unit_ids(request.user),
        "notifications": selectors.notifications_for_unit(unit), "urgent_only": request.GET.get("urgent") == "1",
    })


@login_required
@require_GET
def responsibility_list(request):
    area = _area_from_request(request)
    return render(request, "demands/responsibilities.html", {
        "area": area, "lines": selectors.responsibilities(request.user, area)[:500],
    })


# ---------------------------------------------------------------------------------------------------------
# Intake by staff
# ---------------------------------------------------------------------------------------------------------

def _person_from(request) -> Person | None:
    raw = request.GET.get("person") or request.POST.get("person")
    if not raw or not str(raw).isdigit():
        return None
    return access_object(request.user, Person.objects.select_related("household"), pk=int(raw))


@login_required
def demand_new(request):
    permissions.refuse_without(request.user, RECORD)
    areas = selectors.recording_areas(request.user).select_related("parent")
    person = _person_from(request)
    if request.method == "POST":
        posted_area = request.POST.get("area", "")
        if posted_area.isdigit():
            target = Area.objects.filter(pk=int(posted_area)).first()
            if target is not None:
                require(request.user, RECORD, target.path)
        form = StaffDemandForm(request.POST, request.FILES, areas=areas)
        if form.is_valid():
            d = form.cleaned_data
            try:
                demand = services.create_demand(
                    actor=Actor.from_request(request), kind=d["kind"], text=d["text"], area=d["area"],
                    channel=d["channel"], category=d["category"], urgent=d["urgent"], address=d["address"],
                    latitude=d["latitude"], longitude=d["longitude"], person=person, contact_name=d["contact_name"],
                    contact_phone=d["contact_phone"], photos=d["photos"], idempotency_key=d["idempotency_key"])
            except (ValidationError, IdempotencyConflict) as exc:
                form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
            else:
                messages.success(request, f"已登记，受理编号 {demand.tracking_code}")
                return redirect("demands-detail", pk=demand.pk)
        status = 400
    else:
        initial = {}
        current = request.current_area
        if person is not None and person.household_id:
            initial["area"] = person.household.grid_id
            initial["contact_name"] = person.name
        elif current is not None and areas.filter(pk=current.pk).exists():
            initial["area"] = current.pk
        form = StaffDemandForm(areas=areas, initial=initial)
        status = 200
    return render(request, "demands/new.html", {"form": form, "person": person}, status=status)


@login_required
@require_POST
def suggest(request):
    """htmx: the classifier's top 3 for the text typed so far."""
    permissions.refuse_without(request.user, RECORD)
    area_pk = request.POST.get("area", "")
    area = (selectors.recording_areas(request.user).filter(pk=int(area_pk)).first()
            if area_pk.isdigit() else None) or request.current_area
    return render(request, "demands/_suggestions.html",
                  {"suggestions": suggestions.suggest(request.POST.get("text", ""), area=area)})


# ---------------------------------------------------------------------------------------------------------
# One demand
# ---------------------------------------------------------------------------------------------------------

def _detail_context(request, demand: Demand, **forms) -> dict:
    user = request.user
    scope = scope_of(user)
    can_dispatch = scope.can(DISPATCH, demand.path)
    is_handler = permissions.is_handler(user, demand)
    my_units = selectors.my_units(user)
    claim_units = [u for u in my_units if demand.path.startswith(u.path)]
    held = next((c for c in demand.claims.all() if c.status == WishClaim.Status.HELD), None)
    context = {
        "demand": demand, "now": timezone.now(),
        "can_dispatch": can_dispatch and demand.is_open,
        "can_handle": is_handler and demand.is_open,
        "can_note": demand.is_open and (is_handler or _routed(user, demand)),
        "can_callback": scope.can(RECORD, demand.path) and demand.status == Demand.Status.RESOLVED,
        "can_claim": (demand.kind == Demand.Kind.WISH and demand.status == Demand.Status.RECEIVED
                      and demand.lead_unit_id is None and (scope.can(CLAIM, demand.path) or claim_units)),
        "held_claim": held,
        "my_claim": held if held and (held.user_id == user.pk or held.unit_id in permissions.unit_ids(user)) else None,
        "show_contact": scope.can(RECORD, demand.path) or is_handler,
        "route_form": forms.get("route_form") or (RouteForm(units=selectors.dispatch_units(user, demand),
                                                            demand=demand) if can_dispatch else None),
        "handle_form": forms.get("handle_form") or HandleForm(),
        "callback_form": forms.get("callback_form") or CallbackRatingForm(),
        "claim_form": forms.get("claim_form") or ClaimForm(units=my_units.filter(pk__in=[u.pk for u in claim_units])),
        "fulfil_form": forms.get("fulfil_form") or FulfilForm(),
        "errors": forms.get("errors"),
    }
    return context


def _routed(user, demand) -> bool:
    units = permissions.unit_ids(user)
    return bool(units) and (demand.lead_unit_id in units or any(u.pk in units for u in demand.supporting_units.all()))


@login_required
@require_GET
def demand_detail(request, pk: int):
    demand = selectors.demand_detail(request.user, pk)
    return render(request, "demands/detail.html", _detail_context(request, demand))


def _rerender(request, demand, status=400, **forms):
    demand = selectors.demand_detail(request.user, demand.pk)
    return render(request, "demands/detail.html", _detail_context(request, demand, **forms), status=status)


@login_required
@require_POST
def demand_route(request, pk: int):
    demand = selectors.demand_detail(request.user, pk)
    permissions.authorise(Actor.from_request(request), DISPATCH, demand)
    form = RouteForm(request.POST, units=selectors.dispatch_units(request.user, demand), demand=demand)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.change_route(actor=Actor.from_request(request), demand=demand, lead_unit=d["lead_unit"],
                                  supporting_units=d["supporting_units"], category=d["category"], reason=d["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"已派至 {d['lead_unit'].name}")
            return redirect("demands-detail", pk=demand.pk)
    return _rerender(request, demand, route_form=form)


@login_required
@require_POST
def demand_handle(request, pk: int):
    demand = selectors.demand_detail(request.user, pk)
    form = HandleForm(request.POST)
    action = request.POST.get("action", "")
    permissions.authorise_handler(Actor.from_request(request), demand, supporting_ok=action == services.Action.NOTE)
    if form.is_valid():
        try:
            services.handle(actor=Actor.from_request(request), demand=demand, action=form.cleaned_data["action"],
                            note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "已保存")
            return redirect("demands-detail", pk=demand.pk)
    return _rerender(request, demand, handle_form=form)


@login_required
@require_POST
def demand_callback(request, pk: int):
    """A grid worker records the resident's rating from a callback visit or call (回访)."""
    demand = selectors.demand_detail(request.user, pk)
    permissions.authorise(Actor.from_request(request), RECORD, demand)
    form = CallbackRatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate(actor=Actor.from_request(request), demand=demand, rating=form.cleaned_data["rating"],
                          comment=form.cleaned_data["comment"], source=Feedback.Source.CALLBACK)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "已记录回访评价")
            return redirect("demands-detail", pk=demand.pk)
    return _rerender(request, demand, callback_form=form)


@login_required
@require_GET
def demand_photo(request, pk: int, photo_pk: int):
    demand = selectors.demand_detail(request.user, pk)
    photo = access_scoped(DemandPhoto.objects.all(), demand=demand, pk=photo_pk)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------------------
# Micro-wishes
# ---------------------------------------------------------------------------------------------------------

@login_required
@require_GET
def wish_board(request):
    area = _area_from_request(request)
    return render(request, "demands/wishes.html", {
        "area": area, "board": selectors.wish_board(area), "claims": selectors.my_claims(request.user),
        "can_claim": scope_of(request.user).can(CLAIM, area.path) or selectors.my_units(request.user).exists(),
        "public": False,
    })


@login_required
@require_POST
def wish_claim(request, pk: int):
    """Claim a wish as a party member (demands.claim on its area) or for one's unit (a unit covering its area)."""
    demand = access_scoped(Demand.objects.all(), pk=pk)
    actor = Actor.from_request(request)
    unit = None
    unit_pk = request.POST.get("unit", "").strip()
    if unit_pk:
        unit = selectors.my_units(request.user).filter(pk=int(unit_pk) if unit_pk.isdigit() else 0).first()
        if unit is None:
            refuse(seen=permissions.can_see(request.user, demand))
    permissions.authorise_claim(actor, demand, unit=unit)
    try:
        services.claim_wish(actor=actor, demand=demand, unit=unit)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"认领成功，请在{sla.CLAIM_HOLD_DAYS}天内完成心愿")
    return redirect("demands-detail", pk=demand.pk)


def _own_claim(request, claim_pk: int) -> WishClaim:
    claim = access_scoped(WishClaim.objects.select_related("demand", "unit"), pk=claim_pk)
    permissions.authorise_claimant(Actor.from_request(request), claim)
    return claim


def _after_claim(request, claim):
    return redirect("demands-detail", pk=claim.demand_id)


@login_required
@require_POST
def claim_release(request, claim_pk: int):
    claim = _own_claim(request, claim_pk)
    try:
        services.release_claim(actor=Actor.from_request(request), claim=claim)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已放弃认领，心愿重新开放")
    return _after_claim(request, claim)


@login_required
@require_POST
def claim_fulfil(request, claim_pk: int):
    claim = _own_claim(request, claim_pk)
    form = FulfilForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return _after_claim(request, claim)
    try:
        services.fulfil_claim(actor=Actor.from_request(request), claim=claim, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "心愿已实现，等待群众评价")
    return _after_claim(request, claim)


# ---------------------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------------------

def _period(form: PeriodForm) -> selectors.Period:
    today = timezone.localdate()
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.Period(start=data.get("start") or date(today.year, 1, 1), end=data.get("end") or today)


@login_required
@require_GET
@reads_from_replica
def numbers(request):
    area = _area_from_request(request)
    form = PeriodForm(request.GET)
    period = _period(form)
    if request.GET.get("format") == "xlsx":
        require(request.user, EXPORT, area.path)
        figures = selectors.numbers(request.user, area, period)
        return _numbers_xlsx(area, period, figures)
    figures = selectors.numbers(request.user, area, period)
    return render(request, "demands/numbers.html", {
        "area": area, "form": form, "period": period, "figures": figures,
        "can_export": scope_of(request.user).can(EXPORT, area.path),
    }, status=200 if form.is_valid() or not form.data else 400)


NUMBER_HEADERS = ["名称", "收集", "办结", "按时办结", "按时办结率(%)", "评价数", "满意度(1-5)", "急难愁盼"]


def _rows(rows):
    for r in rows:
        yield [r["key"], r["collected"], r["resolved"], r["on_time"], r["on_time_rate"], r["rated"],
               r["satisfaction"], r["urgent"]]


def _numbers_xlsx(area, period, figures):
    total = [figures["total"]] if figures["total"] else []
    for row in total:
        row["key"] = area.name
    name = f"需求统计-{area.name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"
    return xlsx_response(name, NUMBER_HEADERS, _rows(total), title="合计", more=[
        Sheet(title="按单位", headers=NUMBER_HEADERS, rows=_rows(figures["by_unit"])),
        Sheet(title="按分类", headers=NUMBER_HEADERS, rows=_rows(figures["by_category"])),
        Sheet(title="按区域", headers=NUMBER_HEADERS, rows=_rows(figures["by_area"])),
    ])
