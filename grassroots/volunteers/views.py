"""Pages of volunteer service. Thin: forms and selectors in, services out (docs/conventions.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from grassroots.access.scope import (
    NOT_FOUND,
    access_area,
    access_team,
    refuse,
    require_team,
    scope_of,
    visible_teams,
)
from grassroots.audit.context import Actor
from grassroots.core.forms import int_or_none, run_form_once
from grassroots.rules.volunteer_hours import hours_input, minutes_from_hours
from grassroots.rules.volunteering import hours_text
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import selectors, services
from grassroots.volunteers.activity_forms import ActionForm, ActivityForm, ConfirmForm
from grassroots.volunteers.models import SignUp, Team

# ================================================================================================ sites, teams, volunteers, public (section A)


def home(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


def team_page(request, pk: int):  # placeholder: section A replaces it
    raise Http404


def public_calendar(request, *args, **kwargs):  # placeholder: section A replaces it
    raise Http404


# ================================================================================================ activities, sign-ups, check-in, hours (section B)

ACTIVITIES_PAGE_SIZE = 50


def _check_in_open(activity, now) -> bool:
    return (activity.status == activity.Status.OPEN
            and activity.starts_at - services.CHECK_IN_OPENS <= now < activity.ends_at)


@login_required
@require_GET
def activities(request):
    """志愿活动: the activities of the teams the caller leads or oversees, upcoming or past, by area and team."""
    user = request.user
    if not selectors.sees_activities(user):
        refuse(seen=False)
    past = request.GET.get("when") == "past"
    code = (request.GET.get("area") or "").strip()
    area = access_area(user, code=code, capability=caps.VIEW) if code else None
    team_pk = int_or_none(request.GET.get("team"))
    team = access_team(user, pk=team_pk) if team_pk else None
    rows = selectors.activity_list(user, now=timezone.now(), past=past, area_path=area.path if area else "", team=team)
    page = Paginator(rows, ACTIVITIES_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "volunteers/activities.html", {
        "page": page, "past": past, "area": area, "team": team, "query": query.urlencode(),
        "teams": visible_teams(user, Team.objects.filter(is_active=True), caps.VIEW).order_by("name")[:100],
        "runnable": list(selectors.runnable_teams(user).order_by("name")[:20]),
        "areas": selectors.filter_areas(user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request, pk: int):
    """A new activity of a team (its leader or MANAGE). The form's key makes a retried tap schedule it once."""
    user = request.user
    team = access_team(user, pk=pk)
    require_team(user, team)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        starts_at, ends_at = form.moments()

        def work():
            made = services.create_activity(
                actor=actor, team=team, title=data["title"], place=data["place"], starts_at=starts_at,
                ends_at=ends_at, slots=data["slots"], needs=data["needs"], description=data["description"],
                auto_checkout_minutes=data["auto_checkout_minutes"], is_public=data["is_public"])
            return {"pk": made.pk}

        done = run_form_once(request, form, action=services.ACTIVITY_CREATE, work=work)
        if done:
            if not done.replayed:
                messages.success(request, f"已发布活动“{data['title']}”")
            return redirect("volunteers-activity", pk=done.result["pk"])
    return render(request, "volunteers/activity_new.html", {"form": form, "team": team},
                  status=400 if request.method == "POST" else 200)


ACTIONS = {  # what a button on the activity page does: (idempotency action, message on success)
    "signup": (services.SIGNUP_CREATE, ""),
    "cancel": (services.SIGNUP_CANCEL, "已取消报名"),
    "check_in": (services.SIGNUP_CHECK_IN, "已签到"),
    "check_out": (services.SIGNUP_CHECK_OUT, "已签退，服务时长待队长确认"),
    "no_show": (services.SIGNUP_NO_SHOW, "已记为未到"),
    "cancel_activity": (services.ACTIVITY_CANCEL, "活动已取消"),
}


def _act(request, activity, do: str, signup_pk: int | None, now) -> str:
    """Run one button's service; the message to show."""
    user, actor = request.user, Actor.from_request(request)
    if do == "signup":
        volunteer = selectors.volunteer_of(user)
        if volunteer is None:
            raise ValidationError("请先注册为志愿者，再报名活动")
        made = services.sign_up(actor=actor, activity=activity, volunteer=volunteer, now=now)
        if made.status == SignUp.Status.WAITING:
            position = selectors.with_position(SignUp.objects.filter(pk=made.pk)).get().position
            return f"名额已满，已进入候补第{position}位；有人取消时自动递补"
        return "报名成功"
    if do == "cancel_activity":
        services.cancel_activity(actor=actor, activity=activity)
        return ACTIONS[do][1]
    if signup_pk is None:
        raise ValidationError("请选择报名记录")
    signup = selectors.signup_for(user, signup_pk)
    if signup.activity_id != activity.pk:
        raise Http404(NOT_FOUND)
    {"cancel": services.cancel_sign_up, "check_in": services.check_in, "check_out": services.check_out,
     "no_show": services.mark_no_show}[do](actor=actor, signup=signup, now=now)
    return ACTIONS[do][1]


@require_http_methods(["GET", "POST"])
def activity_page(request, pk: int):
    """An activity: its details and places left for anyone (a public open one); the volunteer's 报名 / 取消报名 /
    签到 / 签退 buttons (forms that work without JS); the roster for the team's leader, MANAGE and VIEW."""
    user = request.user
    now = timezone.now()
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        found = selectors.activity_page(user, pk, now=now)
        do = request.POST.get("do") or ""
        form = ActionForm(request.POST)
        if do not in ACTIONS or not form.is_valid():
            messages.error(request, "操作无效，请刷新页面后重试")
            return redirect("volunteers-activity", pk=pk)
        text = {}

        def work():
            text["message"] = _act(request, found.activity, do, form.cleaned_data["signup"], now)
            return {"message": text["message"]}

        done = run_form_once(request, form, action=ACTIONS[do][0], work=work)
        if done:
            messages.success(request, done.result["message"])
        else:
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("volunteers-activity", pk=pk)
    found = selectors.activity_page(user, pk, now=now)
    activity = found.activity
    return render(request, "volunteers/activity.html", {
        "p": found, "activity": activity, "now": now, "check_in_open": _check_in_open(activity, now),
        "form": ActionForm(), "cancelled": activity.status == activity.Status.CANCELLED,
        "open": activity.status == activity.Status.OPEN and not found.started,
    })


@login_required
@require_GET
def my_service(request):
    """我的志愿服务: upcoming sign-ups (签到 / 签退 when it is time), past service with pending and confirmed hours,
    the verified total, stars and the hours to the next one."""
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        return render(request, "volunteers/me.html", {"service": None})
    now = timezone.now()
    service = selectors.my_service(volunteer, now=now)
    for signup in service.upcoming:
        signup.check_in_open = _check_in_open(signup.activity, now)
    return render(request, "volunteers/me.html", {
        "service": service, "form": ActionForm(), "total": hours_text(service.confirmed_minutes),
        "pending": hours_text(service.pending_minutes), "stars_range": range(service.stars),
        "to_next": hours_text(service.to_next_star) if service.to_next_star is not None else None,
        "next_star": service.stars + 1,
    })


def _queue_rows(groups):
    rows = {}
    for group in groups:
        group.errors = []
        for row in group.rows:
            row.hours = hours_input(row.proposed)
            row.error = ""
            rows[row.signup.pk] = (group, row)
        group.no_show_rows = []
        for signup in group.no_shows:
            row = selectors.QueueRow(signup=signup, proposed=0)
            row.hours, row.error = "0", ""
            group.no_show_rows.append(row)
            rows[signup.pk] = (group, row)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def hours_queue(request):
    """待确认时长: for a team's leader (their teams) and MANAGE (their areas), ended activities' places whose hours
    are not confirmed, grouped by volunteer; confirm the ticked ones, or all of one volunteer's, in one POST (all or
    nothing: the refusals are shown beside the volunteer's rows). Unconfirmed hours count nowhere."""
    user = request.user
    if not selectors.runs_any_team(user):
        refuse(seen=bool(scope_of(user).paths(caps.VIEW)))
    now = timezone.now()
    groups = selectors.hours_queue(user, now=now)
    rows = _queue_rows(groups)
    form = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            picked = form.cleaned_data["signups"]
            if form.cleaned_data["volunteer"]:
                picked = [r.signup.pk for g in groups if g.volunteer.pk == form.cleaned_data["volunteer"]
                          for r in g.rows]
            minutes, bad = {}, False
            for signup_pk in dict.fromkeys(picked):
                if signup_pk not in rows:
                    form.add_error(None, "所选记录已确认或不在待确认列表中，请刷新页面")
                    bad = True
                    continue
                group, row = rows[signup_pk]
                typed = (request.POST.get(f"hours_{signup_pk}") or "").strip()
                row.hours = typed
                try:  # the proposed minutes, exactly, unless the leader changed the hours shown
                    minutes[signup_pk] = row.proposed if typed == hours_input(row.proposed) else minutes_from_hours(typed)
                except ValueError as exc:
                    row.error, bad = str(exc), True
            if not picked:
                form.add_error(None, "请勾选要确认的服务记录")
            elif not bad:
                actor = Actor.from_request(request)

                def work():
                    confirmed = services.confirm_hours(actor=actor, minutes_by_signup=minutes, now=now)
                    total = sum(s.confirmed_minutes for s in confirmed)
                    return {"message": f"已确认{len(confirmed)}条服务记录，共{hours_text(total)}小时"}

                done = run_form_once(request, form, action=services.HOURS_CONFIRM, work=work)
                if done:
                    messages.success(request, done.result["message"])
                    return redirect("volunteers-hours")
                _errors_to_groups(form, [g for g in groups if g.rows])
    return render(request, "volunteers/hours.html", {
        "form": form, "groups": [g for g in groups if g.rows],
        "no_shows": [(g, row) for g in groups for row in g.no_show_rows],
    }, status=status)


def _errors_to_groups(form, groups) -> None:
    """The service's refusals (each names the volunteer) beside that volunteer's rows; the rest above the form."""
    kept = []
    for message in form.non_field_errors():
        owner = next((g for g in groups if g.volunteer.name in message), None)
        if owner is not None:
            owner.errors.append(message)
        else:
            kept.append(message)
    form.errors[NON_FIELD_ERRORS] = form.error_class(kept)


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points, 双报到, 点单 (section D)
