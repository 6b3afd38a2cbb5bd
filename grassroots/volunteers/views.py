"""Pages of volunteer service. Thin: forms and selectors in, services out (docs/conventions.md)."""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grassroots.access.scope import (
    NOT_FOUND,
    access_area,
    access_team,
    leads_team,
    led_teams_q,
    refuse,
    refuse_without,
    require_team,
    scope_of,
    visible_teams,
)
from grassroots.areas.models import Level
from grassroots.audit.context import Actor
from grassroots.core.db_router import reads_from_replica
from grassroots.core.excel import xlsx_response
from grassroots.core.forms import add_service_errors, int_or_none, run_form_once
from grassroots.demands.models import Demand, Unit
from grassroots.rules import rota as rota_rules
from grassroots.rules import volunteering as vrules
from grassroots.rules.points import period_bounds
from grassroots.rules.volunteering import SLOT_LABELS, hours_input, hours_text, minutes_from_hours
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import dispatch_forms, register_forms, rota_forms, selectors, services
from grassroots.volunteers.activity_forms import ActionForm, ActivityForm, ConfirmForm
from grassroots.volunteers.models import Dispatch, HoursRule, RotaTurn, SignUp, Team, TeamMember, Volunteer

# ================================================================================================ sites, teams, volunteers, public


def _manages_somewhere(user) -> None:
    """For a page with no object yet: 403 to a caller who may only look, 404 to anyone else."""
    scope = scope_of(user)
    if not scope.paths(caps.MANAGE):
        refuse(seen=bool(scope.paths(caps.VIEW)))


def _sees_volunteers(user) -> None:
    if not selectors.sees_volunteers(user):
        refuse(seen=False)


def _filter_area(request):
    code = (request.GET.get("area") or "").strip()
    return access_area(request.user, code=code, capability=caps.VIEW) if code else None


@login_required
@require_GET
@reads_from_replica
def home(request):
    """志愿服务: an area's overview for ``VIEW``; a volunteer's own card; the way to register for anyone else."""
    user = request.user
    context = {"may_register": False}
    mine = selectors.volunteer_of(user)
    if mine is not None:
        context["card"] = selectors.own_card(mine)
    code = (request.GET.get("area") or "").strip()
    # A role held on a party organisation, not an area, has no area to open on: no overview unless one is asked.
    area = selectors.overview_area(user, code) if code else selectors.default_area(user)
    if area is not None:
        scope = scope_of(user)
        found = selectors.overview(area)
        context.update(area=area, trail=list(area.ancestors()), overview=found,
                       star_rows=list(zip(STAR_LABELS, found.stars, strict=True)),
                       may_manage=scope.can(caps.MANAGE, area.path), may_manage_somewhere=bool(scope.paths(caps.MANAGE)))
    context["led"] = list(Team.objects.filter(led_teams_q(user), is_active=True).order_by("name")[:10])
    context["may_register"] = mine is None
    return render(request, "volunteers/home.html", context)


STAR_LABELS = ["未评星", "一星", "二星", "三星", "四星", "五星"]


# ---------------------------------------------------------------------- sites


@login_required
@require_GET
@reads_from_replica
def sites(request):
    user = request.user
    _sees_volunteers(user)
    area = _filter_area(request)
    found = selectors.visible_sites(user)
    if area is not None:
        found = found.filter(path__startswith=area.path)
    return render(request, "volunteers/sites.html", {
        "sites": list(found.annotate(team_count=Count("teams", filter=Q(teams__is_active=True)))[:500]),
        "area": area, "may_manage": bool(scope_of(user).paths(caps.MANAGE))})


@login_required
@require_GET
@reads_from_replica
def site_page(request, pk: int):
    user = request.user
    site = selectors.access_site(user, pk)
    return render(request, "volunteers/site.html", {
        "site": site, "trail": list(site.area.ancestors()),
        "teams": list(selectors.team_list(user).filter(site=site)),
        "children": list(selectors.visible_sites(user).filter(parent=site)),
        "may_manage": scope_of(user).can(caps.MANAGE, site.path)})


@login_required
@require_http_methods(["GET", "POST"])
def site_new(request):
    user = request.user
    _manages_somewhere(user)
    form = register_forms.SiteForm(request.POST or None, initial={"area": request.GET.get("area", "")})
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        code = data["area"].strip()
        area = (access_area(user, code=code, capability=caps.VIEW) if code
                else selectors.default_area(user, caps.MANAGE))

        def work():
            made = services.create_site(actor=actor, area=area, name=data["name"], level=data["level"] or None,
                                        address=data["address"], opening_hours=data["opening_hours"],
                                        offers=data["offers"], phone=data["phone"])
            return {"pk": made.pk, "message": f"已新建{made.get_level_display()}：{made.name}"}

        done = run_form_once(request, form, action=services.SITE_CREATE, work=work)
        if done:
            messages.success(request, done.result["message"])
            return redirect("volunteers-site", pk=done.result["pk"])
    return render(request, "volunteers/site_form.html", {"form": form, "site": None},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request, pk: int):
    user = request.user
    site = selectors.access_site(user, pk)
    _require_manage(user, site.path)
    initial = {f: getattr(site, f) for f in ("name", "address", "opening_hours", "offers", "phone", "is_active")}
    form = register_forms.SiteForm(request.POST or None, initial=initial)
    form.fields["area"].disabled = form.fields["level"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_site(actor=Actor.from_request(request), site=site, name=data["name"],
                                 address=data["address"], opening_hours=data["opening_hours"], offers=data["offers"],
                                 phone=data["phone"], is_active=data["is_active"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存：{site.name}")
            return redirect("volunteers-site", pk=site.pk)
    return render(request, "volunteers/site_form.html", {"form": form, "site": site},
                  status=400 if request.method == "POST" else 200)


def _require_manage(user, path: str) -> None:
    """403 to a caller who may look at ``path``'s volunteer service, 404 to anyone else."""
    scope = scope_of(user)
    if not scope.can(caps.MANAGE, path):
        refuse(seen=scope.can(caps.VIEW, path))


# ---------------------------------------------------------------------- teams


@login_required
@require_GET
@reads_from_replica
def teams(request):
    user = request.user
    found = selectors.team_list(user, area=_filter_area(request))
    if not selectors.sees_volunteers(user) and not found.exists():
        refuse(seen=False)
    return render(request, "volunteers/teams.html", {
        "teams": list(found[:500]), "may_manage": bool(scope_of(user).paths(caps.MANAGE))})


@login_required
@require_GET
@reads_from_replica
def team_page(request, pk: int):
    user = request.user
    mine = selectors.volunteer_of(user)
    team = _reach_team(user, pk, mine)
    scope = scope_of(user)
    leads = leads_team(user, team)
    members = selectors.team_members(team)
    runs = leads or scope.can(caps.MANAGE, team.path)
    is_member = mine is not None and any(m.volunteer_id == mine.pk for m in members)
    return render(request, "volunteers/team.html", {
        "team": team, "members": members, "leads": leads,
        "show_phones": leads or scope.can(caps.VIEW, team.path), "runs": runs,
        "activities": selectors.upcoming_activities(team, now=timezone.now()),
        "may_join": mine is not None and not is_member and team.is_active, "is_member": is_member,
        "candidates": _candidates(team, members) if runs else []})


def _reach_team(user, pk: int, mine) -> Team:
    """A team the caller reaches by area or leads, or one they are a member of; 404 otherwise."""
    teams_ = Team.objects.select_related("site", "unit", "area", "leader")
    found = visible_teams(user, teams_).filter(pk=pk).first()
    if found is None and mine is not None:
        found = teams_.filter(pk=pk, members__volunteer=mine, members__left_on__isnull=True).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def _candidates(team: Team, members) -> list[Volunteer]:
    """Volunteers registered in the team's area who are not members yet (for the leader's or MANAGE's chooser)."""
    taken = {m.volunteer_id for m in members}
    return [v for v in Volunteer.objects.filter(path__startswith=team.path, is_active=True)
            .select_related("area").order_by("name", "pk")[:300] if v.pk not in taken]


@login_required
@require_POST
def team_member_add(request, pk: int):
    user = request.user
    team = access_team(user, pk=pk)
    require_team(user, team)
    form = register_forms.MemberForm(request.POST, candidates=_candidates(team, selectors.team_members(team)))
    if not form.is_valid():
        messages.error(request, "请选择要加入的志愿者（须已在本队服务区域注册）")
        return redirect("volunteers-team", pk=team.pk)
    volunteer = Volunteer.objects.get(pk=form.cleaned_data["volunteer"])
    try:
        services.join_team(actor=Actor.from_request(request), team=team, volunteer=volunteer)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{volunteer.name}已加入{team.name}")
    return redirect("volunteers-team", pk=team.pk)


@login_required
@require_POST
def team_member_remove(request, pk: int, volunteer: int):
    user = request.user
    team = access_team(user, pk=pk)
    require_team(user, team)
    member = TeamMember.objects.filter(team=team, volunteer_id=volunteer, left_on__isnull=True).select_related(
        "volunteer").first()
    if member is None:
        raise Http404(NOT_FOUND)
    if member.volunteer_id == team.leader_id:
        messages.error(request, f"{member.volunteer.name}是队长，请先更换队长")
        return redirect("volunteers-team", pk=team.pk)
    services.leave_team(actor=Actor.from_request(request), team=team, volunteer=member.volunteer)
    messages.success(request, f"{member.volunteer.name}已退出{team.name}")
    return redirect("volunteers-team", pk=team.pk)


@login_required
@require_POST
def team_join(request, pk: int):
    """A registered volunteer joins a team themselves (a team they can see: by area, or on the public board)."""
    user = request.user
    mine = selectors.volunteer_of(user)
    if mine is None:
        return redirect("volunteers-register")
    team = Team.objects.filter(pk=pk, is_active=True).first()
    if team is None:
        raise Http404(NOT_FOUND)
    try:
        services.join_team(actor=Actor.from_request(request), team=team, volunteer=mine)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"您已加入{team.name}")
    return redirect("volunteers-team", pk=team.pk)


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    user = request.user
    _manages_somewhere(user)
    scope = scope_of(user)
    sites_ = list(selectors.visible_sites(user, caps.MANAGE).filter(is_active=True)[:300])
    units = list(Unit.objects.filter(scope.q(caps.MANAGE, "path"), is_active=True).order_by("name")[:300])
    leaders = list(Volunteer.objects.filter(scope.q(caps.MANAGE, "path"), is_active=True)
                   .select_related("area").order_by("name", "pk")[:500])
    form = register_forms.TeamForm(request.POST or None, sites=sites_, units=units, leaders=leaders,
                            initial={"site": request.GET.get("site") or ""})
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        site = next((s for s in sites_ if s.pk == data["site"]), None)
        unit = next((u for u in units if u.pk == data["unit"]), None)
        leader = next((v for v in leaders if v.pk == data["leader"]), None)

        def work():
            made = services.create_team(actor=actor, name=data["name"], site=site, unit=unit if site is None else None,
                                        specialty=data["specialty"], description=data["description"], leader=leader)
            return {"pk": made.pk, "message": f"已新建服务队：{made.name}"}

        done = run_form_once(request, form, action=services.TEAM_CREATE, work=work)
        if done:
            messages.success(request, done.result["message"])
            return redirect("volunteers-team", pk=done.result["pk"])
    return render(request, "volunteers/team_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------------- volunteers


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    """Register as a volunteer (with consent), or — for ``MANAGE`` with ?resident=1 — register a resident from
    the register who consented on paper."""
    user = request.user
    if request.GET.get("resident") or request.POST.get("household"):
        return _register_resident(request)
    if selectors.volunteer_of(user) is not None:
        messages.info(request, "您已注册为志愿者")
        return redirect("volunteers-home")
    areas = list(selectors.registrable_areas())
    form = register_forms.RegisterForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        area = next(a for a in areas if a.pk == data["area"])

        def work():
            made = services.register_volunteer(
                actor=actor, name=data["name"], area=area, consent=data["consent"], mobile=data["mobile"].strip(),
                user=user, skills=register_forms.split_skills(data["skills"]), availability=data["availability"])
            return {"pk": made.pk}

        done = run_form_once(request, form, action=services.VOLUNTEER_REGISTER, work=work)
        if done:
            messages.success(request, "注册成功，欢迎加入志愿服务")
            return redirect("volunteers-home")
    return render(request, "volunteers/register.html", {
        "form": form, "consent_text": services.CONSENT_TEXT, "resident": False,
        "grid": register_forms.availability_grid(form["availability"].value()),
        "may_register_residents": bool(scope_of(user).paths(caps.MANAGE))},
        status=400 if request.method == "POST" else 200)


def _register_resident(request):
    user = request.user
    _manages_somewhere(user)
    form = register_forms.ResidentRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data, actor = form.cleaned_data, Actor.from_request(request)
        person = selectors.resident(user, household=data["household"], name=data["name"])
        if person is None:
            form.add_error("name", f"在您管理的区域内，户号“{data['household'].strip()}”下没有名为"
                                   f"“{data['name'].strip()}”的居民")
        else:
            def work():
                made = services.register_volunteer(
                    actor=actor, name=person.name, area=person.household.village, consent=data["consent"],
                    mobile=data["mobile"].strip(), person=person, skills=register_forms.split_skills(data["skills"]),
                    availability=data["availability"])
                return {"pk": made.pk, "message": f"已为{made.name}注册志愿者"}

            done = run_form_once(request, form, action=services.VOLUNTEER_REGISTER, work=work)
            if done:
                messages.success(request, done.result["message"])
                return redirect("volunteers-person", pk=done.result["pk"])
    return render(request, "volunteers/register.html", {
        "form": form, "consent_text": services.CONSENT_TEXT, "resident": True,
        "grid": register_forms.availability_grid(form["availability"].value())},
        status=400 if request.method == "POST" else 200)


def _people_filters(request):
    user = request.user
    area = _filter_area(request)
    team_pk = (request.GET.get("team") or "").strip()
    team = access_team(user, pk=int(team_pk)) if team_pk.isdecimal() and len(team_pk) < 10 else None
    stars_text = (request.GET.get("stars") or "").strip()
    stars = int(stars_text) if stars_text in {str(n) for n in range(len(STAR_LABELS))} else None
    return area, team, stars


@login_required
@require_GET
@reads_from_replica
def people(request):
    user = request.user
    _sees_volunteers(user)
    area, team, stars = _people_filters(request)
    page = Paginator(selectors.people(user, area=area, team=team, stars=stars),
                     selectors.PEOPLE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_area = area or selectors.default_area(user)
    return render(request, "volunteers/people.html", {
        "page": page, "area": area, "team": team, "stars": stars, "star_labels": list(enumerate(STAR_LABELS)),
        "query": query.urlencode(), "may_export": export_area is not None and scope_of(user).can(caps.EXPORT,
                                                                                              export_area.path),
        "may_manage": bool(scope_of(user).paths(caps.MANAGE))})


PEOPLE_HEADERS = ["姓名", "注册地", "手机号", "技能特长", "可服务时间", "服务队", "已确认时长（小时）", "星级", "注册时间"]


@login_required
@require_GET
@reads_from_replica
def people_xlsx(request):
    user = request.user
    _sees_volunteers(user)
    area, team, stars = _people_filters(request)
    area = area or selectors.default_area(user)
    scope = scope_of(user)
    if area is None or not scope.can(caps.EXPORT, area.path):
        refuse(seen=area is not None and scope.can(caps.VIEW, area.path))
    rows = selectors.people(user, area=area, team=team, stars=stars)
    return xlsx_response(f"志愿者名册-{area.name}.xlsx", PEOPLE_HEADERS, (
        [v.name, v.area.name, v.mobile, "、".join(v.skills), "、".join(vrules.SLOT_LABELS.get(s, s) for s in v.availability),
         "、".join(m.team.name for m in v.current), v.hours_text, STAR_LABELS[v.stars],
         timezone.localtime(v.created_at).strftime("%Y-%m-%d")] for v in rows.iterator(chunk_size=500)),
        title="志愿者名册")


@login_required
@require_GET
@reads_from_replica
def person(request, pk: int):
    user = request.user
    volunteer = selectors.access_volunteer(user, pk)
    own = volunteer.user_id == user.pk
    scope = scope_of(user)
    card = selectors.own_card(volunteer)
    return render(request, "volunteers/person.html", {
        "v": volunteer, "card": card, "own": own, "star_label": STAR_LABELS[volunteer.stars],
        "show_phone": own or scope.can(caps.VIEW, volunteer.path) or any(leads_team(user, t) for t in card.teams),
        "slots": [vrules.SLOT_LABELS.get(s, s) for s in volunteer.availability],
        "may_edit": own or scope.can(caps.MANAGE, volunteer.path)})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request, pk: int):
    """Change a volunteer's skills, availability and phone: themselves, or ``MANAGE`` on their area."""
    user = request.user
    volunteer = selectors.access_volunteer(user, pk)  # 404 to one who may not see them
    if volunteer.user_id != user.pk and not scope_of(user).can(caps.MANAGE, volunteer.path):
        refuse(seen=True)  # they see the volunteer (by area, or as their team's leader), may not change them
    form = register_forms.ProfileFields(request.POST or None, initial={
        "mobile": volunteer.mobile, "skills": "、".join(volunteer.skills), "availability": volunteer.availability})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_volunteer(actor=Actor.from_request(request), volunteer=volunteer,
                                      skills=register_forms.split_skills(data["skills"]), availability=data["availability"],
                                      mobile=data["mobile"].strip())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("volunteers-person", pk=volunteer.pk)
    return render(request, "volunteers/profile.html", {
        "form": form, "v": volunteer, "grid": register_forms.availability_grid(form["availability"].value())},
        status=400 if request.method == "POST" else 200)


# ---------------------------------------------------------------------- public (no login)


@require_GET
def public_calendar(request, code: str):
    """An area's upcoming public activities and its teams: places left, never a name."""
    area = selectors.public_area(code)
    activities = selectors.public_calendar(area, now=timezone.now())
    for a in activities:
        a.places_left = max(0, a.slots - a.signed)
    return render(request, "volunteers/public_calendar.html", {
        "area": area, "activities": activities,
        "teams": selectors.public_teams(area)})


@require_GET
def public_honour(request, code: str):
    """An area's honour board: top volunteers by confirmed hours, masked names, stars and team only."""
    area = selectors.public_area(code)
    board = selectors.honour_board(area)
    return render(request, "volunteers/public_honour.html", {
        "area": area, "rows": [{"name": v.masked_name, "hours": v.hours_text, "stars": v.stars,
                                "star_label": STAR_LABELS[v.stars],
                                "team": v.current[0].team.name if v.current else ""} for v in board]})


# ================================================================================================ activities, sign-ups, check-in, hours

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


# ================================================================================================ rotas


@login_required
@require_GET
def rotas(request):
    user = request.user
    return render(request, "volunteers/rotas.html", {
        "rotas": list(selectors.rota_list(user)), "can_create": bool(scope_of(user).paths(caps.MANAGE))})


def _preview_rows(plan: rota_rules.Rota, teams) -> list[tuple[int, list[dict]]]:
    names = dict(Volunteer.objects.filter(pk__in={v for t in plan.turns for v in t.members}).values_list("pk", "name"))
    team_names = {t.pk: t.name for t in teams}
    weeks: dict[int, list[dict]] = {}
    for t in plan.turns:
        weeks.setdefault(t.week, []).append({"day": t.day, "slot": SLOT_LABELS[t.slot], "team": team_names[t.team],
                                             "subject": t.subject, "members": [names[v] for v in t.members]})
    return sorted(weeks.items())


@login_required
@require_http_methods(["GET", "POST"])
def rota_new(request):
    user = request.user
    refuse_without(user, caps.MANAGE)
    form = rota_forms.RotaForm(request.POST or None, user=user)
    preview = None
    if request.method == "POST" and form.is_valid():
        actor, args = Actor.from_request(request), form.service_args()
        if "save" in request.POST:
            data = form.cleaned_data

            def work():
                rota = services.generate_rota(actor=actor, title=data["title"], place=data["place"], site=data["site"],
                                              start_time=data["start_time"], end_time=data["end_time"], **args)
                return {"pk": rota.pk, "message": f"已保存排班草稿：{rota.title}"}

            done = run_form_once(request, form, action=services.ROTA_CREATE, work=work)
            if done:
                messages.success(request, done.result["message"])
                return redirect("volunteers-rota", pk=done.result["pk"])
        else:
            try:
                plan = services.preview_rota(actor=actor, **args)
                preview = {"summary": plan.summary, "weeks": _preview_rows(plan, args["teams"])}
            except ValidationError as exc:
                add_service_errors(form, exc)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "volunteers/rota_new.html", {"form": form, "preview": preview}, status=status)


def _rota_context(request, pk: int) -> dict:
    rota = selectors.access_rota(request.user, pk=pk)
    turns = selectors.rota_turns(rota)
    scope = scope_of(request.user)
    return {"rota": rota, "weeks": selectors.rota_weeks(turns), "turn_count": len(turns),
            "teams": sorted({t.team.name for t in turns}),
            "slot_labels": "、".join(SLOT_LABELS[s] for s in rota.slots if s in SLOT_LABELS),
            "can_manage": scope.can(caps.MANAGE, rota.path), "can_export": scope.can(caps.EXPORT, rota.path)}


@login_required
@require_GET
def rota_page(request, pk: int):
    return render(request, "volunteers/rota.html", _rota_context(request, pk))


@login_required
@require_GET
def rota_print(request, pk: int):
    return render(request, "volunteers/rota_print.html", _rota_context(request, pk))


ROTA_HEADERS = ["周次", "日期", "时段", "服务队", "主题", "当班队员", "地点", "活动"]


@login_required
@require_GET
def rota_xlsx(request, pk: int):
    rota = selectors.access_rota(request.user, pk=pk)
    if not scope_of(request.user).can(caps.EXPORT, rota.path):
        refuse(seen=True)
    rows = [[t.week, t.date, SLOT_LABELS.get(t.slot, t.slot), t.team.name, t.subject,
             "、".join(v.name for v in t.members.all()), rota.place, "已发布" if t.activity_id else ""]
            for t in selectors.rota_turns(rota)]
    return xlsx_response(f"{rota.title}-{rota.term_start}.xlsx", ROTA_HEADERS, rows, title="排班表")


@login_required
@require_POST
def rota_publish(request, pk: int):
    rota = selectors.access_rota(request.user, pk=pk)
    try:
        rota = services.publish_rota(actor=Actor.from_request(request), rota=rota)
        messages.success(request, f"已发布“{rota.title}”：每个班次已成为服务队的活动，当班队员已报名")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("volunteers-rota", pk=rota.pk)


def _turn_forms(turn: RotaTurn, data=None):
    label = rota_rules.day_label
    current = list(turn.members.all())
    in_turn = {v.pk for v in current}
    mates = [m.volunteer for m in TeamMember.objects.filter(team=turn.team, left_on__isnull=True,
                                                            volunteer__is_active=True)
             .select_related("volunteer").order_by("joined_on", "id")]
    into = [(f"v:{v.pk}", f"{v.name}（{'有空' if turn.slot in (v.availability or []) else '此时段没空'}）")
            for v in mates if v.pk not in in_turn]
    others = (RotaTurn.objects.filter(rota=turn.rota_id, team=turn.team).exclude(pk=turn.pk)
              .prefetch_related("members").order_by("date", "id"))
    for other in others:
        for v in other.members.all():
            if v.pk not in in_turn:
                into.append((f"t:{other.pk}:{v.pk}", f"与第{other.week}周{label(other.date, other.slot)}的{v.name}对调"))
    replace = rota_forms.ReplaceForm(data, out_choices=[(v.pk, v.name) for v in current], into_choices=into)
    same_week = (RotaTurn.objects.filter(rota=turn.rota_id, week=turn.week).exclude(pk=turn.pk)
                 .select_related("team").order_by("date", "id"))
    swap = rota_forms.SwapTurnForm(data, choices=[(o.pk, f"{label(o.date, o.slot)} {o.team.name}") for o in same_week])
    return replace, swap


@login_required
@require_http_methods(["GET", "POST"])
def rota_turn(request, pk: int):
    turn = RotaTurn.objects.select_related("rota", "team", "activity").filter(pk=pk).first()
    if turn is None:
        raise Http404
    selectors.access_rota(request.user, pk=turn.rota_id)
    replace, swap = _turn_forms(turn)
    status = 200
    if request.method == "POST":
        actor = Actor.from_request(request)
        form = None
        try:
            if request.POST.get("action") == "swap_turns":
                swap = form = _turn_forms(turn, request.POST)[1]
                if swap.is_valid():
                    other = RotaTurn.objects.get(pk=swap.cleaned_data["other_turn"])
                    services.swap_rota_turns(actor=actor, turn=turn, other_turn=other)
                    messages.success(request, "已对调两个班次的日期")
                    return redirect("volunteers-rota", pk=turn.rota_id)
            else:
                replace = form = _turn_forms(turn, request.POST)[0]
                if replace.is_valid():
                    out = Volunteer.objects.get(pk=replace.cleaned_data["out"])
                    kind, *ids = replace.cleaned_data["into"].split(":")
                    if kind == "v":
                        into = Volunteer.objects.get(pk=int(ids[0]))
                        services.replace_rota_member(actor=actor, turn=turn, out=out, into=into)
                        messages.success(request, f"已由{into.name}替换{out.name}")
                    else:
                        other = RotaTurn.objects.get(pk=int(ids[0]))
                        other_volunteer = Volunteer.objects.get(pk=int(ids[1]))
                        services.swap_rota_members(actor=actor, turn=turn, volunteer=out, other_turn=other,
                                                   other_volunteer=other_volunteer)
                        messages.success(request, f"{out.name}与{other_volunteer.name}已对调班次")
                    return redirect("volunteers-rota", pk=turn.rota_id)
        except ValidationError as exc:
            add_service_errors(form, exc)
        status = 400
    members = list(turn.members.all())
    return render(request, "volunteers/rota_turn.html", {
        "turn": turn, "rota": turn.rota, "members": members, "replace": replace, "swap": swap,
        "when": f"第{turn.week}周{rota_rules.day_label(turn.date, turn.slot)}",
        "can_manage": scope_of(request.user).can(caps.MANAGE, turn.rota.path),
        "leads": leads_team(request.user, turn.team)}, status=status)



# ================================================================================================ hours → points, 双报到, 点单


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
    form = dispatch_forms.HoursRuleForm(request.POST or None, rules=choosable,
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


@login_required
@require_http_methods(["GET", "POST"])
def wish_dispatch(request, pk: int):
    """派单 of one wish: its state and the teams asked so far; MANAGE on its area dispatches it to a team."""
    user = request.user
    demand = selectors.visible_wish(user, pk)
    teams = selectors.wish_teams(demand)
    form = dispatch_forms.DispatchForm(request.POST or None, teams=teams)
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

            done = run_form_once(request, form, action=services.DISPATCH_CREATE, work=work)
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
        "rows": rows, "wishes": wishes, "accept_form": dispatch_forms.AcceptForm(), "decline_form": dispatch_forms.DeclineForm(),
        "done_form": dispatch_forms.DoneForm(),
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

    return _reply(request, pk, dispatch_forms.AcceptForm, "accept", work)


@login_required
@require_POST
def dispatch_decline(request, pk: int):
    def work(actor, dispatch, form):
        services.decline_dispatch(actor=actor, dispatch=dispatch, reason=form.cleaned_data["reason"])
        return "已婉拒，心愿将另行派单"

    return _reply(request, pk, dispatch_forms.DeclineForm, "decline", work)


@login_required
@require_POST
def dispatch_done(request, pk: int):
    def work(actor, dispatch, form):
        services.complete_dispatch(actor=actor, dispatch=dispatch, note=form.cleaned_data["note"])
        return "已完成，待群众评价"

    return _reply(request, pk, dispatch_forms.DoneForm, "done", work)
