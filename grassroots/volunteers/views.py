"""Pages of volunteer service. Thin: forms and selectors in, services out (docs/conventions.md)."""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import NOT_FOUND, access_area, led_teams_q, refuse, scope_of, visible_teams
from grassroots.areas.models import Level
from grassroots.audit.context import Actor
from grassroots.core.forms import add_service_errors, run_form_once
from grassroots.demands.models import Demand
from grassroots.rules.paths import path_prefixes
from grassroots.rules.points import period_bounds
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import forms_d, selectors, services
from grassroots.volunteers.models import Dispatch, HoursRule, Team

# ================================================================================================ sites, teams, volunteers, public (section A)


def home(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


def team_page(request, pk: int):  # placeholder: section A replaces it
    raise Http404


def public_calendar(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


# ================================================================================================ activities, sign-ups, check-in, hours (section B)


def my_service(request):  # placeholder: section B replaces it
    raise Http404


def activity_page(request, pk: int):  # placeholder: section B replaces it
    raise Http404


def hours_queue(request):  # placeholder: section B replaces it
    raise Http404


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points, 双报到, 点单 (section D)


def _month_or_404(request) -> tuple[date, date]:
    raw = (request.GET.get("month") or "").strip()
    try:
        day = datetime.strptime(raw, "%Y-%m").date() if raw else timezone.localdate().replace(day=1)
    except ValueError:
        raise Http404("月份格式不正确") from None
    return period_bounds(day, "month")


@login_required
@require_http_methods(["GET", "POST"])
def hours_rule(request, code: str):
    """The village chooses the rule its residents' confirmed hours are claimed under, and sees what a month's
    confirmed hours proposed (VIEW, also from a grid inside it; choosing: MANAGE)."""
    village = access_area(request.user, code=code, capability=caps.VIEW, level=Level.VILLAGE, from_inside=True)
    choosable = selectors.hours_rules_choosable(village)
    current = HoursRule.objects.filter(village=village).select_related("rule").first()
    form = forms_d.HoursRuleForm(request.POST or None, rules=choosable,
                                 initial={"rule": str(current.rule_id) if current else ""})
    may_manage = scope_of(request.user).can(caps.MANAGE, village.path)
    if request.method == "POST":
        if not may_manage:
            refuse(seen=True)  # admitted to look above: 403
        if form.is_valid():
            rule = next((r for r in choosable if str(r.pk) == form.cleaned_data["rule"]), None)
            try:
                services.set_hours_rule(actor=Actor.from_request(request), village=village, rule=rule)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已设置志愿时长积分项目：{rule.code} {rule.current.title}" if rule
                                 else "已取消志愿时长积分项目")
                return redirect(request.get_full_path())
    start, end = _month_or_404(request)
    return render(request, "volunteers/hours_rule.html", {
        "village": village, "form": form, "current": current, "may_manage": may_manage,
        "outcomes": list(selectors.hours_outcomes(village, start, end)), "month": start,
        "previous": period_bounds(start - timedelta(days=1), "month")[0], "next": end + timedelta(days=1),
    }, status=400 if request.method == "POST" else 200)


def _visible_wish(user, pk: int) -> Demand:
    demand = Demand.objects.filter(pk=pk, kind=Demand.Kind.WISH).select_related("area").first()
    if demand is None or not scope_of(user).can(caps.VIEW, demand.path):
        raise Http404(NOT_FOUND)
    return demand


@login_required
@require_http_methods(["GET", "POST"])
def wish_dispatch(request, pk: int):
    """派单 of one wish: its state and the teams asked so far; MANAGE on its area dispatches it to a team."""
    user = request.user
    demand = _visible_wish(user, pk)
    teams = (Team.objects.filter(is_active=True).filter(
        Q(path__in=path_prefixes(demand.path)) | Q(unit__isnull=False, unit__path__in=path_prefixes(demand.path)))
        .order_by("path", "name"))
    form = forms_d.DispatchForm(request.POST or None, teams=teams)
    may_manage = scope_of(user).can(caps.MANAGE, demand.path)
    if request.method == "POST":
        if not may_manage:
            refuse(seen=True)  # admitted to look above: 403
        if form.is_valid():
            data = form.cleaned_data

            def work():
                dispatch = services.dispatch_wish(actor=Actor.from_request(request), demand=demand,
                                                  team=data["team"], note=data["note"])
                return {"team": dispatch.team.name}

            done = run_form_once(request, form, action="volunteers.dispatch.create", work=work)
            if done:
                messages.success(request, f"已派单给{done.result['team']}，待队长接单")
                return redirect("volunteers-wish-dispatch", pk=demand.pk)
    dispatches = list(demand.volunteer_dispatches.select_related("team", "wish_claim").order_by("-dispatched_at"))
    return render(request, "volunteers/wish_dispatch.html", {
        "demand": demand, "form": form, "dispatches": dispatches,
        "may_manage": may_manage,
        "may_dispatch": demand.status == Demand.Status.RECEIVED and demand.lead_unit_id is None
        and not any(d.status == Dispatch.Status.DISPATCHED for d in dispatches),
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_GET
def dispatches(request):
    """接单 queue: the wishes dispatched to the teams the caller leads (or their unit owns), to accept or decline
    and, once accepted, to mark done; and for MANAGE, the open wishes waiting for a team."""
    user = request.user
    scope = scope_of(user)
    rows = list(selectors.team_dispatches(user))
    wishes = list(selectors.wishes_to_dispatch(user)) if scope.paths(caps.MANAGE) else []
    if not rows and not wishes and not scope.paths(caps.VIEW) and not Team.objects.filter(led_teams_q(user)).exists():
        raise Http404(NOT_FOUND)
    return render(request, "volunteers/dispatches.html", {
        "rows": rows, "wishes": wishes, "accept_form": forms_d.AcceptForm(), "decline_form": forms_d.DeclineForm(),
        "done_form": forms_d.DoneForm(),
    })


def _team_dispatch(user, pk: int) -> Dispatch:
    """A dispatch to a team the caller leads or reaches by area (404 otherwise; the service says 403)."""
    dispatch = visible_teams(user, Dispatch.objects.select_related("team", "demand", "wish_claim"), caps.VIEW,
                             via="team__").filter(pk=pk).first()
    if dispatch is None:
        raise Http404(NOT_FOUND)
    return dispatch


def _reply(request, pk: int, form_class, action: str, work) -> HttpResponse:
    dispatch = _team_dispatch(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = work(Actor.from_request(request), dispatch, form)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, message)
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("volunteers-dispatches")


@login_required
@require_POST
def dispatch_accept(request, pk: int):
    def work(actor, dispatch, form):
        outcome = run_form_once(request, form, action="volunteers.dispatch.accept", work=lambda: {
            "id": services.accept_dispatch(actor=actor, dispatch=dispatch, activity=form.activity()).pk})
        if outcome is None:
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        return f"已接单：{dispatch.demand.summary}"

    return _reply(request, pk, forms_d.AcceptForm, "accept", work)


@login_required
@require_POST
def dispatch_decline(request, pk: int):
    def work(actor, dispatch, form):
        services.decline_dispatch(actor=actor, dispatch=dispatch, reason=form.cleaned_data["reason"])
        return "已婉拒，心愿将另行派单"

    return _reply(request, pk, forms_d.DeclineForm, "decline", work)


@login_required
@require_POST
def dispatch_done(request, pk: int):
    def work(actor, dispatch, form):
        services.complete_dispatch(actor=actor, dispatch=dispatch, note=form.cleaned_data["note"])
        return "已完成，待群众评价"

    return _reply(request, pk, forms_d.DoneForm, "done", work)
