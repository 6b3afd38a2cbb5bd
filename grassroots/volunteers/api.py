"""The volunteer service's JSON API (mounted at /api/volunteers/): sites, teams, volunteers, activities, sign-ups,
check-in and check-out (each with a required Idempotency-Key: a phone on a weak signal retries), no-shows, hours,
rotas (generated, published, their turns changed), 派单 of wishes and the village's hours rule. Same conventions as
the other routers (docs/api.md; its "Pairing and volunteers" section)."""

from datetime import date, datetime, time
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import BeforeValidator, StrictBool, StrictInt, StrictStr

from grassroots.access.scope import (
    access_activity,
    access_area,
    access_team,
    leads_team,
    led_teams_q,
    refuse,
    require_team,
    scope_of,
    visible_teams,
)
from grassroots.api.common import (
    AreaRef,
    Cursor,
    Limit,
    OptionalKey,
    Page,
    RequiredKey,
    area_ref,
    download,
    once,
    page,
    page_query,
    position_of,
)
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    ValidationErrorOut,
    api_errors,
    error_response,
)
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.areas.models import Level
from grassroots.audit.context import Actor
from grassroots.catalogue.selectors import version_in_force
from grassroots.core.refusals import Refusal
from grassroots.demands.models import Unit
from grassroots.rules.points import period_bounds
from grassroots.rules.volunteering import SLOT_LABELS, SLOTS
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import rota_forms, selectors, services, views
from grassroots.volunteers.models import Dispatch, HoursRule, RotaTurn, SignUp, Team, TeamMember, Volunteer

router = Router(tags=["志愿服务"])


# ================================================================================================ sites, teams, volunteers


VOL_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class SiteOut(Schema):
    id: int
    level: str = Field(description="centre / institute / station / point")
    level_label: str
    name: str
    area: AreaRef
    parent_id: int | None = Field(description="上一级阵地")
    address: str
    opening_hours: str
    offers: str
    phone: str = Field(description="阵地的公开电话")
    is_active: bool


def _area(area) -> dict:
    return {"code": area.code, "name": area.name}


def _site_out(s) -> dict:
    return {"id": s.pk, "level": s.level, "level_label": s.get_level_display(), "name": s.name, "area": _area(s.area),
            "parent_id": s.parent_id, "address": s.address, "opening_hours": s.opening_hours, "offers": s.offers,
            "phone": s.phone, "is_active": s.is_active}


class AreaQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    limit: Limit = 50
    cursor: Cursor = None


def _sees(user) -> None:
    if not selectors.sees_volunteers(user):
        refuse(seen=False)


def _area_filter(user, code: str):
    return access_area(user, code=code, capability=caps.VIEW) if code.strip() else None


@router.get("/sites/", response={200: Page(SiteOut), **VOL_ERRORS}, summary="新时代文明实践阵地（分页）")
@api_errors
def list_sites(request, filters: Query[AreaQuery]):
    user = request.user
    _sees(user)
    sites = selectors.visible_sites(user)
    area = _area_filter(user, filters.area_code)
    if area is not None:
        sites = sites.filter(path__startswith=area.path)
    position = position_of(filters.cursor)
    chunk = list(sites[position:position + filters.limit + 1])
    return page([_site_out(s) for s in chunk], filters.limit, position)


@router.get("/sites/{int:site_id}/", response={200: SiteOut, **VOL_ERRORS}, summary="一个实践阵地")
@api_errors
def get_site(request, site_id: ObjectId):
    return 200, _site_out(selectors.access_site(request.user, site_id))


class VolunteerRef(Schema):
    id: int
    name: str
    mobile: str | None = Field(description="仅对有查看权限的人员和队长显示；否则为 null")


class MemberOut(Schema):
    volunteer: VolunteerRef
    joined_on: date
    is_leader: bool


class TeamOut(Schema):
    id: int
    name: str
    specialty: str
    specialty_label: str
    description: str
    site_id: int | None
    unit_id: int | None
    area: AreaRef
    leader: VolunteerRef | None
    member_count: int
    is_active: bool


class TeamDetailOut(TeamOut):
    members: list[MemberOut]


def _ref(v, phones: bool) -> dict:
    return {"id": v.pk, "name": v.name, "mobile": (v.mobile or "") if phones else None}


def _team_out(t, *, phones: bool, members: list | None = None) -> dict:
    out = {"id": t.pk, "name": t.name, "specialty": t.specialty, "specialty_label": t.get_specialty_display(),
           "description": t.description, "site_id": t.site_id, "unit_id": t.unit_id, "area": _area(t.area),
           "leader": _ref(t.leader, phones) if t.leader_id else None,
           "member_count": t.member_count if members is None else len(members), "is_active": t.is_active}
    if members is not None:
        out["members"] = [{"volunteer": _ref(m.volunteer, phones), "joined_on": m.joined_on,
                           "is_leader": m.volunteer_id == t.leader_id} for m in members]
    return out


@router.get("/teams/", response={200: Page(TeamOut), **VOL_ERRORS}, summary="志愿服务队（可见的，或本人带的；分页）")
@api_errors
def list_teams(request, filters: Query[AreaQuery]):
    user = request.user
    teams = selectors.team_list(user, area=_area_filter(user, filters.area_code))
    position = position_of(filters.cursor)
    chunk = list(teams[position:position + filters.limit + 1])
    if not chunk and not selectors.sees_volunteers(user):
        refuse(seen=False)
    scope = scope_of(user)
    led = set(Team.objects.filter(led_teams_q(user), pk__in=[t.pk for t in chunk]).values_list("pk", flat=True))
    return page([_team_out(t, phones=scope.can(caps.VIEW, t.path) or t.pk in led) for t in chunk],
                filters.limit, position)


def _team_detail(user, pk: int) -> dict:
    team = access_team(user, pk=pk, queryset=Team.objects.select_related("area", "leader"))
    phones = scope_of(user).can(caps.VIEW, team.path) or leads_team(user, team)
    return _team_out(team, phones=phones, members=selectors.team_members(team))


@router.get("/teams/{int:team_id}/", response={200: TeamDetailOut, **VOL_ERRORS}, summary="一支服务队及其队员")
@api_errors
def get_team(request, team_id: ObjectId):
    return 200, _team_detail(request.user, team_id)


class MemberIn(StrictIn):
    volunteer_id: StrictObjectId | None = Field(None, description="加入的志愿者；省略时为本人（本人须已注册）")


@router.post("/teams/{int:team_id}/members/", response={201: TeamDetailOut, **VOL_ERRORS},
             summary="加入服务队（队长或管理人员添加队员；志愿者本人加入；已是队员答 409；须带 Idempotency-Key）")
@api_errors
def add_member(request, response: HttpResponse, team_id: ObjectId, payload: MemberIn,
               idempotency_key: RequiredKey = None):
    user = request.user
    mine = selectors.volunteer_of(user)
    if payload.volunteer_id is None or (mine is not None and payload.volunteer_id == mine.pk):
        if mine is None:
            raise ValidationError({"volunteer": "您尚未注册为志愿者，请先注册"})
        team = Team.objects.filter(pk=team_id, is_active=True).first()
        if team is None:
            raise Http404
        volunteer = mine
    else:
        team = access_team(user, pk=team_id)
        require_team(user, team)
        volunteer = Volunteer.objects.filter(pk=payload.volunteer_id, path__startswith=team.path,
                                             is_active=True).first()
        if volunteer is None:
            raise ValidationError({"volunteer_id": f"编号 {payload.volunteer_id} 的志愿者不存在或未在{team.area.name}注册"})
    actor = Actor.from_request(request)

    def work() -> dict:
        services.join_team(actor=actor, team=team, volunteer=volunteer)
        return TeamDetailOut.model_validate(_member_view(user, team, volunteer, mine)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.TEAM_JOIN,
                body={"team": team_id, **payload.model_dump(mode="json")}, work=work)


def _member_view(user, team, volunteer, mine) -> dict:
    """The team as the caller sees it after a change of its members: a volunteer who only joined sees no phones."""
    if mine is not None and volunteer.pk == mine.pk and not selectors.sees_volunteers(user):
        team = Team.objects.select_related("area", "leader").get(pk=team.pk)
        return _team_out(team, phones=leads_team(user, team), members=selectors.team_members(team))
    return _team_detail(user, team.pk)


@router.delete("/teams/{int:team_id}/members/{int:volunteer_id}/", response={204: None, **VOL_ERRORS},
               summary="退出服务队（本人退出；队长或管理人员移出队员；队长须先更换，答 409）")
@api_errors
def remove_member(request, team_id: ObjectId, volunteer_id: ObjectId):
    user = request.user
    mine = selectors.volunteer_of(user)
    if mine is not None and volunteer_id == mine.pk:
        team = TeamMember.objects.filter(team_id=team_id, volunteer=mine, left_on__isnull=True).select_related(
            "team__area").first()
        if team is None:
            raise Http404
        team, volunteer = team.team, mine
    else:
        team = access_team(user, pk=team_id)
        require_team(user, team)
        member = TeamMember.objects.filter(team=team, volunteer_id=volunteer_id, left_on__isnull=True).select_related(
            "volunteer").first()
        if member is None:
            raise Http404
        volunteer = member.volunteer
    if volunteer.pk == team.leader_id:
        raise Refusal({"volunteer_id": f"{volunteer.name}是{team.name}的队长，请先更换队长"})
    services.leave_team(actor=Actor.from_request(request), team=team, volunteer=volunteer)
    return 204, None


class VolunteerOut(Schema):
    id: int
    name: str
    mobile: str
    area: AreaRef
    skills: list[str]
    availability: list[str] = Field(description="可服务时段代码（mon_am 等）")
    confirmed_hours: str = Field(description="已确认服务时长（小时，一位小数）")
    confirmed_minutes: int
    stars: int
    team_ids: list[int]
    consent_at: datetime
    consent_version: str


def _volunteer_out(v, teams: list[int]) -> dict:
    return {"id": v.pk, "name": v.name, "mobile": v.mobile, "area": _area(v.area), "skills": v.skills,
            "availability": v.availability, "confirmed_hours": v.hours_text, "confirmed_minutes": v.confirmed_minutes,
            "stars": v.stars, "team_ids": teams, "consent_at": v.consent_at, "consent_version": v.consent_version}


class VolunteerQuery(AreaQuery):
    team_id: ObjectId | None = None
    stars: int | None = Field(None, ge=0, le=5, description="星级 0–5")


@router.get("/volunteers/", response={200: Page(VolunteerOut), **VOL_ERRORS}, summary="志愿者名册（分页）")
@api_errors
def list_volunteers(request, filters: Query[VolunteerQuery]):
    user = request.user
    _sees(user)
    team = access_team(user, pk=filters.team_id) if filters.team_id else None
    rows = selectors.people(user, area=_area_filter(user, filters.area_code), team=team, stars=filters.stars)
    position = position_of(filters.cursor)
    chunk = list(rows[position:position + filters.limit + 1])
    return page([_volunteer_out(v, [m.team_id for m in v.current]) for v in chunk], filters.limit, position)


NOT_REGISTERED = "您尚未注册为志愿者"


def _me(mine) -> dict:
    card = selectors.own_card(mine)
    return _volunteer_out(mine, [t.pk for t in card.teams])


@router.get("/volunteers/me/", response={200: VolunteerOut, **VOL_ERRORS}, summary="本人的志愿者信息")
@api_errors
def my_volunteer(request):
    mine = selectors.volunteer_of(request.user)
    if mine is None:
        return error_response(404, NOT_REGISTERED)
    return 200, _me(mine)


class ProfileIn(StrictIn):
    mobile: StrictStr | None = Field(None, max_length=11, description="手机号（11位）；空字符串为清除")
    skills: list[StrictStr] | None = Field(None, max_length=10)
    availability: list[StrictStr] | None = Field(None, max_length=21, description="可服务时段代码（mon_am 等）")


@router.patch("/volunteers/me/", response={200: VolunteerOut, **VOL_ERRORS},
              summary="修改本人的手机号、技能特长、可服务时间（只改传来的字段）")
@api_errors
def update_me(request, response: HttpResponse, payload: ProfileIn, idempotency_key: OptionalKey = None):
    mine = selectors.volunteer_of(request.user)
    if mine is None:
        return error_response(404, NOT_REGISTERED)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.update_volunteer(actor=actor, volunteer=mine, skills=payload.skills,
                                  availability=payload.availability,
                                  mobile=None if payload.mobile is None else payload.mobile.strip())
        return VolunteerOut.model_validate(_me(Volunteer.objects.select_related("area").get(pk=mine.pk))).model_dump()

    return once(request, response, key=idempotency_key, required=False, action=services.VOLUNTEER_UPDATE,
                body=payload.model_dump(mode="json"), work=work, status=200)


class RegisterIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=50)
    area_code: StrictStr = Field(min_length=1, max_length=20, description="注册地（嘎查村、社区）的区划代码")
    consent: StrictBool = Field(description=f"同意志愿者注册须知（须为 true）：{services.CONSENT_TEXT}")
    mobile: StrictStr = Field("", max_length=11)
    skills: list[StrictStr] = Field(default_factory=list, max_length=10)
    availability: list[StrictStr] = Field(default_factory=list, max_length=21)


@router.post("/volunteers/", response={201: VolunteerOut, **VOL_ERRORS},
             summary="本人注册志愿者（须同意注册须知；已注册答 409；幂等，须带 Idempotency-Key）")
@api_errors
def register_volunteer(request, response: HttpResponse, payload: RegisterIn, idempotency_key: RequiredKey = None):
    user = request.user
    area = selectors.registrable_areas().filter(code=payload.area_code.strip()).first()
    if area is None:
        raise ValidationError({"area_code": f"区划代码“{payload.area_code}”不是嘎查村或社区"})
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.register_volunteer(actor=actor, name=payload.name, area=area, consent=payload.consent,
                                           mobile=payload.mobile.strip(), user=user, skills=payload.skills,
                                           availability=payload.availability)
        return VolunteerOut.model_validate(
            _volunteer_out(Volunteer.objects.select_related("area").get(pk=made.pk), [])).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.VOLUNTEER_REGISTER,
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ activities, sign-ups, check-in/out, hours

B_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class TeamRef(Schema):
    id: int
    name: str


class MySignUpOut(Schema):
    id: int
    status: str = Field(description="signed 已报名 / waiting 候补 / cancelled 已取消")
    status_label: str
    position: int | None = Field(description="候补第几位（仅候补时）")
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    auto_checkout: bool = Field(description="系统自动签退（忘记签退）")
    minutes: int | None = Field(description="签到签退计得的分钟数，待队长确认前不计入任何累计")
    no_show: bool
    confirmed_minutes: int | None = Field(description="队长确认的分钟数：唯一计入累计的时长")


class RosterOut(MySignUpOut):
    volunteer: TeamRef


class ActivityOut(Schema):
    id: int
    team: TeamRef
    area: AreaRef
    title: str
    description: str
    place: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    signed: int
    waiting: int
    places_left: int
    needs: str
    auto_checkout_minutes: int
    status: str
    is_public: bool
    mine: MySignUpOut | None = Field(description="本人的报名（未报名为 null）")
    roster: list[RosterOut] | None = Field(None, description="报名名单：仅队长、管理和查看本区域的用户可见")


def _signup_out(s, *, with_volunteer: bool = False) -> dict:
    out = {"id": s.pk, "status": s.status, "status_label": s.get_status_display(),
           "position": getattr(s, "position", None) if s.status == SignUp.Status.WAITING else None,
           "checked_in_at": s.checked_in_at, "checked_out_at": s.checked_out_at, "auto_checkout": s.auto_checkout,
           "minutes": s.minutes, "no_show": s.no_show, "confirmed_minutes": s.confirmed_minutes}
    if with_volunteer:
        out["volunteer"] = {"id": s.volunteer_id, "name": s.volunteer.name}
    return out


def _activity_out(a, *, mine=None, roster=None) -> dict:
    return {"id": a.pk, "team": {"id": a.team_id, "name": a.team.name}, "area": area_ref(a.area), "title": a.title,
            "description": a.description, "place": a.place, "starts_at": a.starts_at, "ends_at": a.ends_at,
            "slots": a.slots, "signed": a.signed, "waiting": a.waiting, "places_left": max(0, a.slots - a.signed),
            "needs": a.needs, "auto_checkout_minutes": a.auto_checkout_minutes, "status": a.status,
            "is_public": a.is_public, "mine": _signup_out(mine) if mine is not None else None,
            "roster": None if roster is None else [_signup_out(s, with_volunteer=True) for s in roster]}


def _activity_detail(user, pk: int) -> dict:
    found = selectors.activity_page(user, pk, now=timezone.now())
    return _activity_out(found.activity, mine=found.mine, roster=found.roster if found.may_see_roster else None)


class ActivitiesQuery(Schema):
    when: Literal["upcoming", "past"] = Field("upcoming", description="upcoming 未结束的（默认） / past 已结束的")
    team_id: ObjectId | None = None
    area_code: str = Field("", max_length=20, description="区划代码")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/activities/", response={200: Page(ActivityOut), **B_ERRORS},
            summary="志愿活动：本人带领或所辖区域的，以及公开的（分页）")
@api_errors
def list_activities(request, filters: Query[ActivitiesQuery]):
    user = request.user
    code = filters.area_code.strip()
    area = access_area(user, code=code, capability=caps.VIEW) if code else None
    team = access_team(user, pk=filters.team_id) if filters.team_id else None
    rows = selectors.listed_activities(user, now=timezone.now(), past=filters.when == "past",
                                       area_path=area.path if area else "", team=team)
    position = position_of(filters.cursor)
    chunk = list(rows[position:position + filters.limit + 1])
    mine = selectors.my_signups_on(user, [a.pk for a in chunk])
    return page([_activity_out(a, mine=mine.get(a.pk)) for a in chunk], filters.limit, position)


@router.get("/activities/{int:activity_id}/", response={200: ActivityOut, **B_ERRORS},
            summary="一项志愿活动：详情、剩余名额、本人报名；队长和管理可见名单")
@api_errors
def get_activity(request, activity_id: ObjectId):
    return _activity_detail(request.user, activity_id)


def _moment(raw: str, field: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationError({field: "时间格式不正确（如 2026-06-10T09:00:00+08:00）"}) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class ActivityIn(StrictIn):
    team_id: StrictObjectId
    title: StrictStr = Field(min_length=1, max_length=100)
    place: StrictStr = Field(min_length=1, max_length=200)
    starts_at: StrictStr = Field(max_length=40, description="ISO 8601，不带时区按北京时间")
    ends_at: StrictStr = Field(max_length=40)
    slots: StrictInt = Field(ge=1, le=500)
    needs: StrictStr = Field("", max_length=200)
    description: StrictStr = Field("", max_length=2000)
    auto_checkout_minutes: StrictInt = Field(120, ge=0, le=24 * 60)
    is_public: StrictBool = True


@router.post("/activities/", response={201: ActivityOut, **B_ERRORS},
             summary="发布志愿活动（队长或管理；幂等，须带 Idempotency-Key）")
@api_errors
def create_activity(request, response: HttpResponse, payload: ActivityIn, idempotency_key: RequiredKey = None):
    user = request.user
    team = access_team(user, pk=payload.team_id)
    actor = Actor.from_request(request)
    starts_at, ends_at = _moment(payload.starts_at, "starts_at"), _moment(payload.ends_at, "ends_at")

    def work() -> dict:
        made = services.create_activity(
            actor=actor, team=team, title=payload.title, place=payload.place, starts_at=starts_at, ends_at=ends_at,
            slots=payload.slots, needs=payload.needs, description=payload.description,
            auto_checkout_minutes=payload.auto_checkout_minutes, is_public=payload.is_public)
        return ActivityOut.model_validate(_activity_detail(user, made.pk)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.ACTIVITY_CREATE,
                body=payload.model_dump(mode="json"), work=work)


@router.post("/activities/{int:activity_id}/cancel/", response={200: ActivityOut, **B_ERRORS},
             summary="取消志愿活动（队长或管理；已取消的答 409；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def cancel_activity(request, response: HttpResponse, activity_id: ObjectId, idempotency_key: OptionalKey = None):
    user = request.user
    activity = access_activity(user, pk=activity_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.cancel_activity(actor=actor, activity=activity)
        return ActivityOut.model_validate(_activity_detail(user, activity.pk)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action=services.ACTIVITY_CANCEL,
                body={"activity": activity_id}, work=work, status=200)


class SignUpIn(StrictIn):
    volunteer_id: StrictObjectId | None = Field(None, description="为队员代报名时填写（队长或管理）；默认本人")


class SignUpOut(MySignUpOut):
    activity_id: int
    volunteer: TeamRef


def _signup_reply(user, pk: int) -> dict:
    signup = selectors.with_position(SignUp.objects.filter(pk=pk).select_related("volunteer")).get()
    return {**_signup_out(signup, with_volunteer=True), "activity_id": signup.activity_id}


@router.post("/activities/{int:activity_id}/signups/", response={201: SignUpOut, **B_ERRORS},
             summary="报名（名额已满进入候补，仍答 201；已报名、活动已开始或已取消答 409；"
                     "幂等，须带 Idempotency-Key：重试只报名一次并返回同样的结果）")
@api_errors
def create_signup(request, response: HttpResponse, activity_id: ObjectId, payload: SignUpIn,
                  idempotency_key: RequiredKey = None):
    user = request.user
    activity = selectors.activity_page(user, activity_id, now=timezone.now()).activity
    if payload.volunteer_id is None:
        volunteer = selectors.volunteer_of(user)
        if volunteer is None:
            raise ValidationError({"volunteer_id": "请先注册为志愿者，再报名活动"})
    else:
        volunteer = selectors.visible_volunteers(user).filter(pk=payload.volunteer_id).first()
        if volunteer is None:
            volunteer = (Volunteer.objects.filter(pk=payload.volunteer_id, team_memberships__team=activity.team,
                                                  team_memberships__left_on__isnull=True).first())
        if volunteer is None:
            raise ValidationError({"volunteer_id": "志愿者不存在或不是本队队员"})
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.sign_up(actor=actor, activity=activity, volunteer=volunteer)
        return SignUpOut.model_validate(_signup_reply(user, made.pk)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.SIGNUP_CREATE,
                body={"activity": activity_id, **payload.model_dump(mode="json")}, work=work)


def _signup_action(request, response, signup_id: int, key: str | None, action: str, run, *,
                   required: bool = False) -> Status:
    user = request.user
    signup = selectors.signup_for(user, signup_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        run(actor=actor, signup=signup)
        return SignUpOut.model_validate(_signup_reply(user, signup.pk)).model_dump()

    return once(request, response, key=key, required=required, action=action, body={"signup": signup_id}, work=work,
                status=200)


# Cancelling a sign-up keeps it (status "cancelled", the time, the waiting list moved up, the audit entry) and
# the volunteer's own list shows it: an action on the sign-up answering it as it now is (200), not a DELETE (204,
# no body, "gone"). The DELETE route that duplicated this one is removed.
@router.post("/signups/{int:signup_id}/cancel/", response={200: SignUpOut, **B_ERRORS},
             summary="取消报名（候补第一位自动递补；已取消、已签到或活动已结束答 409；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def cancel_signup(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: OptionalKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CANCEL,
                          services.cancel_sign_up)


# Check-in and check-out change the sign-up (200) but are the taps a phone on a weak signal retries: the key is
# required, so that the retry replays the first answer instead of a 409 "already checked in at 09:05".
@router.post("/signups/{int:signup_id}/check-in/", response={200: SignUpOut, **B_ERRORS},
             summary="签到（活动开始前1小时至结束；已签到答 409；须带 Idempotency-Key：重试返回首次的结果）")
@api_errors
def check_in(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: RequiredKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CHECK_IN, services.check_in,
                          required=True)


@router.post("/signups/{int:signup_id}/check-out/", response={200: SignUpOut, **B_ERRORS},
             summary="签退（时长待队长确认；未签到或已签退答 409；须带 Idempotency-Key：重试返回首次的结果）")
@api_errors
def check_out(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: RequiredKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CHECK_OUT,
                          services.check_out, required=True)


@router.post("/signups/{int:signup_id}/no-show/", response={200: SignUpOut, **B_ERRORS},
             summary="记为未到（队长或管理；活动开始后，未签到的；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def mark_no_show(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: OptionalKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_NO_SHOW,
                          services.mark_no_show)


class MyServiceOut(Schema):
    volunteer: TeamRef
    confirmed_minutes: int = Field(description="已确认累计分钟数（星级依据）")
    pending_minutes: int = Field(description="已签退待确认的分钟数：不计入累计")
    stars: int
    minutes_to_next_star: int | None
    upcoming: list[SignUpOut]
    past: list[SignUpOut]


@router.get("/signups/mine/", response={200: MyServiceOut, **B_ERRORS}, summary="我的志愿服务：报名、服务记录与时长")
@api_errors
def my_signups(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        refuse(seen=False)
    found = selectors.my_service(volunteer, now=timezone.now())

    def row(s):
        return {**_signup_out(s), "activity_id": s.activity_id, "volunteer": {"id": volunteer.pk, "name": volunteer.name}}

    return {"volunteer": {"id": volunteer.pk, "name": volunteer.name}, "confirmed_minutes": found.confirmed_minutes,
            "pending_minutes": found.pending_minutes, "stars": found.stars,
            "minutes_to_next_star": found.to_next_star, "upcoming": [row(s) for s in found.upcoming],
            "past": [row(s) for s in found.past]}


class QueueRowOut(Schema):
    signup_id: int
    activity_id: int
    activity_title: str
    starts_at: datetime
    ends_at: datetime
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    auto_checkout: bool
    no_show: bool
    proposed_minutes: int = Field(description="建议确认的分钟数（签到签退计得；未签退的按到活动结束计）")


class QueueGroupOut(Schema):
    volunteer: TeamRef
    rows: list[QueueRowOut]
    no_shows: list[QueueRowOut] = Field(description="未签到的（不计时长）")


class QueueQuery(Schema):
    limit: Limit = 50
    cursor: Cursor = None


def _queue_row(signup, proposed: int) -> dict:
    a = signup.activity
    return {"signup_id": signup.pk, "activity_id": a.pk, "activity_title": a.title, "starts_at": a.starts_at,
            "ends_at": a.ends_at, "checked_in_at": signup.checked_in_at, "checked_out_at": signup.checked_out_at,
            "auto_checkout": signup.auto_checkout, "no_show": signup.no_show, "proposed_minutes": proposed}


@router.get("/hours/pending/", response={200: Page(QueueGroupOut), **B_ERRORS},
            summary="待确认服务时长（队长：本队；管理：所辖区域），按志愿者分组（每项一名志愿者，分页）")
@api_errors
def pending_hours(request, filters: Query[QueueQuery]):
    user = request.user
    if not selectors.runs_any_team(user):
        refuse(seen=bool(scope_of(user).paths(caps.VIEW)))
    position = position_of(filters.cursor)
    groups = selectors.hours_queue(user, now=timezone.now())[position:position + filters.limit + 1]
    return page([{"volunteer": {"id": g.volunteer.pk, "name": g.volunteer.name},
                  "rows": [_queue_row(r.signup, r.proposed) for r in g.rows],
                  "no_shows": [_queue_row(s, 0) for s in g.no_shows]} for g in groups], filters.limit, position)


class ConfirmItemIn(StrictIn):
    signup_id: StrictObjectId
    minutes: StrictInt = Field(ge=0, le=12 * 60, description="确认的分钟数（0 表示不计时长）")


class ConfirmIn(StrictIn):
    items: list[ConfirmItemIn] = Field(min_length=1, max_length=200)


class ConfirmOut(Schema):
    signup_ids: list[int] = Field(description="确认的报名记录")
    total_minutes: int


@router.post("/hours/confirm/", response={200: ConfirmOut, **B_ERRORS},
             summary="确认服务时长（全部成功或全部不变；已确认的答 409；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def confirm_hours(request, response: HttpResponse, payload: ConfirmIn, idempotency_key: OptionalKey = None):
    minutes = {}
    for item in payload.items:
        if item.signup_id in minutes:
            raise ValidationError({"items": f"报名记录{item.signup_id}重复"})
        minutes[item.signup_id] = item.minutes
    actor = Actor.from_request(request)

    def work() -> dict:
        done = services.confirm_hours(actor=actor, minutes_by_signup=minutes)
        return {"signup_ids": [s.pk for s in done], "total_minutes": sum(s.confirmed_minutes for s in done)}

    return once(request, response, key=idempotency_key, required=False, action=services.HOURS_CONFIRM,
                body=payload.model_dump(mode="json"), work=work, status=200)


# ================================================================================================ rotas

ROTA_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class RotaOut(Schema):
    id: int
    title: str
    area: AreaRef
    place: str
    term_start: date
    term_end: date
    slots: list[str]
    start_time: time
    end_time: time
    group_min: int
    group_max: int
    subjects: list[str]
    status: str = Field(description="draft 草稿 / published 已发布")
    team_count: int
    turn_count: int


class TurnMemberOut(Schema):
    id: int
    name: str


class TurnOut(Schema):
    id: int
    week: int
    date: date
    slot: str
    slot_label: str
    team_id: int
    team_name: str
    subject: str
    members: list[TurnMemberOut]
    activity_id: int | None


class RotaDetailOut(RotaOut):
    turns: list[TurnOut]


class RotasQuery(Schema):
    limit: Limit = 50
    cursor: Cursor = None


def _rota(rota, *, teams: int, turns: int) -> dict:
    return {"id": rota.pk, "title": rota.title, "area": area_ref(rota.area), "place": rota.place,
            "term_start": rota.term_start, "term_end": rota.term_end, "slots": rota.slots,
            "start_time": rota.start_time, "end_time": rota.end_time, "group_min": rota.group_min,
            "group_max": rota.group_max, "subjects": rota.subjects, "status": rota.status, "team_count": teams,
            "turn_count": turns}


@router.get("/rotas/", response={200: Page(RotaOut), **ROTA_ERRORS}, summary="排班表（所辖区域的和本人带队的，分页）")
@api_errors
def list_rotas(request, filters: Query[RotasQuery]):
    position = position_of(filters.cursor)
    rows = list(selectors.rota_list(request.user)[position:position + filters.limit + 1])
    return page([_rota(r, teams=r.team_count, turns=r.turn_count) for r in rows], filters.limit, position)


def _rota_detail(user, pk: int) -> dict:
    rota = selectors.access_rota(user, pk=pk)
    turns = selectors.rota_turns(rota)
    body = _rota(rota, teams=len({t.team_id for t in turns}), turns=len(turns))
    body["turns"] = [_turn_out(t) for t in turns]
    return body


def _turn_out(t) -> dict:
    return {"id": t.pk, "week": t.week, "date": t.date, "slot": t.slot, "slot_label": SLOT_LABELS.get(t.slot, t.slot),
            "team_id": t.team_id, "team_name": t.team.name, "subject": t.subject,
            "members": [{"id": v.pk, "name": v.name} for v in t.members.all()],  # rota_turns orders them
            "activity_id": t.activity_id}


@router.get("/rotas/{int:rota_id}/", response={200: RotaDetailOut, **ROTA_ERRORS}, summary="一张排班表及其全部班次")
@api_errors
def get_rota(request, rota_id: ObjectId):
    return _rota_detail(request.user, rota_id)


@router.post("/rotas/{int:rota_id}/publish/", response={200: RotaDetailOut, **ROTA_ERRORS},
             summary="发布排班（管理；每个班次成为服务队的活动，当班队员已报名；已发布答 409；"
                     "带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def publish_rota(request, response: HttpResponse, rota_id: ObjectId, idempotency_key: OptionalKey = None):
    user = request.user
    rota = selectors.access_rota(user, pk=rota_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.publish_rota(actor=actor, rota=rota)
        return RotaDetailOut.model_validate(_rota_detail(user, rota.pk)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action=services.ROTA_PUBLISH,
                body={"rota": rota_id}, work=work, status=200)


# Generating a rota: what the page 新建排班 does (rota_forms.RotaForm, services.preview_rota / generate_rota).

# A term longer than this is refused before the generator runs (the page has no bound; a school term is ~20 weeks).
MAX_TERM_DAYS = 366
ROTA_FIELDS = {"site": "site_id", "teams": "team_ids"}


def _hh_mm(value):
    if isinstance(value, time):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdecimal():
        raise ValueError("应为时间（HH:MM，如 07:30）")
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError("应为时间（HH:MM，如 07:30）") from None


StrictClock = Annotated[time, BeforeValidator(_hh_mm)]


class RotaIn(StrictIn):
    title: StrictStr = Field(min_length=1, max_length=100, description="排班名称")
    site_id: StrictObjectId = Field(description="实践阵地（本人管理区域内的中心、所、站）")
    place: StrictStr = Field(min_length=1, max_length=200, description="服务地点")
    team_ids: list[StrictObjectId] = Field(min_length=1, max_length=50, description="参加排班的服务队")
    slots: list[Literal[SLOTS]] = Field(min_length=1, max_length=len(SLOTS),
                                        description="每周服务时段代码（mon_am 周一上午 … sun_pm 周日下午）")
    term_start: StrictDate = Field(description="开始日期（YYYY-MM-DD）")
    term_end: StrictDate = Field(description=f"结束日期（YYYY-MM-DD；排班期最长 {MAX_TERM_DAYS} 天）")
    start_time: StrictClock = Field(description="每次开始（HH:MM）")
    end_time: StrictClock = Field(description="每次结束（HH:MM）")
    group_min: StrictInt = Field(ge=1, le=20, description="每组最少人数")
    group_max: StrictInt = Field(ge=1, le=20, description="每组最多人数")
    teams_per_slot: StrictInt | None = Field(None, ge=1, le=50, description="每个时段最多安排几个服务队；不填则平均分配")
    subjects: list[StrictStr] = Field(min_length=1, max_length=50, description="服务主题，按周轮换")
    subjects_by_team: StrictBool = Field(False, description="各队错开主题（同一周各队讲不同主题）")


def _rota_form(user, payload: RotaIn) -> rota_forms.RotaForm:
    """The page's own form, bound to the API's input: the same choices (MANAGE on the site and the teams), the same
    checks; its errors named as the API names the fields."""
    if (payload.term_end - payload.term_start).days > MAX_TERM_DAYS:
        raise ValidationError({"term_end": f"排班期最长 {MAX_TERM_DAYS} 天"})
    subjects = [s.strip() for s in payload.subjects if s.strip()]
    if not subjects:
        raise ValidationError({"subjects": "请填写服务主题，每行一个"})
    if any(len(s) > 100 or "\n" in s or "\r" in s for s in subjects):
        raise ValidationError({"subjects": "每个服务主题一行，最多 100 个字符"})
    form = rota_forms.RotaForm({
        "title": payload.title, "site": payload.site_id, "place": payload.place, "teams": payload.team_ids,
        "slots": list(payload.slots), "term_start": payload.term_start.isoformat(),
        "term_end": payload.term_end.isoformat(), "start_time": payload.start_time.strftime("%H:%M"),
        "end_time": payload.end_time.strftime("%H:%M"), "group_min": payload.group_min,
        "group_max": payload.group_max, "teams_per_slot": payload.teams_per_slot or "",
        "subjects": "\n".join(subjects), "subjects_by_team": payload.subjects_by_team}, user=user)
    if not form.is_valid():
        def named(f: str, messages) -> list[str]:  # "实践阵地：选择一个有效的选项…": the field, in Chinese
            label = form.fields[f].label if f in form.fields else ""
            return [m if not label or label in m else f"{label}：{m}" for m in messages]

        raise ValidationError({ROTA_FIELDS.get(f, f): named(f, messages) for f, messages in form.errors.items()})
    return form


class RotaPlanTurnOut(Schema):
    week: int
    date: date
    slot: str
    slot_label: str
    team_id: int
    team_name: str
    subject: str
    members: list[TurnMemberOut]


class RotaPlanWeekOut(Schema):
    week: int
    turns: list[RotaPlanTurnOut]


class RotaPlanOut(Schema):
    summary: str = Field(description="排班概况（几个服务队、每周几个时段、每个时段几个队）")
    weeks: list[RotaPlanWeekOut] = Field(description="逐周的班次与当班队员（未保存）")


def _plan_out(plan, teams) -> dict:
    names = dict(Volunteer.objects.filter(pk__in={v for t in plan.turns for v in t.members}).values_list("pk", "name"))
    team_names = {t.pk: t.name for t in teams}
    weeks: dict[int, list[dict]] = {}
    for t in plan.turns:
        weeks.setdefault(t.week, []).append({
            "week": t.week, "date": t.day, "slot": t.slot, "slot_label": SLOT_LABELS[t.slot], "team_id": t.team,
            "team_name": team_names[t.team], "subject": t.subject,
            "members": [{"id": v, "name": names[v]} for v in t.members]})
    return {"summary": plan.summary, "weeks": [{"week": w, "turns": turns} for w, turns in sorted(weeks.items())]}


@router.post("/rotas/preview/", response={200: RotaPlanOut, **ROTA_ERRORS},
             summary="预览排班（管理；与新建排班同样的输入，只生成不保存；排不出时答 422 并说明原因）")
@api_errors(fields=ROTA_FIELDS)
def preview_rota(request, payload: RotaIn):
    user = request.user
    _manages_somewhere(user)
    form = _rota_form(user, payload)
    args = form.service_args()
    plan = services.preview_rota(actor=Actor.from_request(request), **args)
    return Status(200, _plan_out(plan, args["teams"]))


@router.post("/rotas/", response={201: RotaDetailOut, **ROTA_ERRORS},
             summary="新建排班（管理；按输入生成并保存为草稿，与预览的结果相同；排不出时答 422；"
                     "幂等，须带 Idempotency-Key）")
@api_errors(fields=ROTA_FIELDS)
def create_rota(request, response: HttpResponse, payload: RotaIn, idempotency_key: RequiredKey = None):
    user = request.user
    _manages_somewhere(user)
    form = _rota_form(user, payload)
    args, data = form.service_args(), form.cleaned_data
    actor = Actor.from_request(request)

    def work() -> dict:
        rota = services.generate_rota(actor=actor, title=data["title"], place=data["place"], site=data["site"],
                                      start_time=data["start_time"], end_time=data["end_time"], **args)
        return RotaDetailOut.model_validate(_rota_detail(user, rota.pk)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.ROTA_CREATE,
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ hours → points


# The village's hours → points rule (the page 志愿时长积分项目): read by who sees the village's volunteer service
# (from a grid inside it too), chosen by MANAGE on the village (services.set_hours_rule).

VillageCode = Annotated[str, Field(min_length=1, max_length=20, description="嘎查村（社区）的区划代码")]


class HoursRuleChoiceOut(Schema):
    id: int = Field(description="积分项目（rule）编号：作为 rule_id 提交")
    code: str
    title: str
    points: int = Field(description="每小时分值")
    cap: int | None = Field(description="封顶分值（无封顶为 null）")
    cap_period: str = Field(description="封顶周期代码（无封顶为空）")
    cap_period_label: str


class HoursRuleOut(Schema):
    village: AreaRef
    rule: HoursRuleChoiceOut | None = Field(description="现用的积分项目；未设置为 null（志愿时长不申报积分）")
    set_at: datetime | None
    may_change: bool = Field(description="本人可否更改")
    choices: list[HoursRuleChoiceOut] = Field(description="可选的项目：本村积分细则中现行的、按小时计分、无须照片的")


class HoursRuleIn(StrictIn):
    rule_id: StrictObjectId | None = Field(description="选用的积分项目（choices 之一）；null 为取消")


def _rule_choice(rule, version) -> dict:
    return {"id": rule.pk, "code": rule.code, "title": version.title if version else "", "points":
            version.points if version else 0, "cap": version.cap if version else None,
            "cap_period": version.cap_period if version else "",
            "cap_period_label": version.get_cap_period_display() if version else ""}


def _hours_rule_out(user, village) -> dict:
    choosable = selectors.hours_rules_choosable(village)
    current = HoursRule.objects.filter(village=village).select_related("rule").first()
    rule = None
    if current is not None:
        version = next((r.current for r in choosable if r.pk == current.rule_id), None) or version_in_force(
            current.rule, timezone.localdate()) or current.rule.versions.order_by("-version").first()
        rule = _rule_choice(current.rule, version)
    return {"village": area_ref(village), "rule": rule, "set_at": current.set_at if current else None,
            "may_change": scope_of(user).can(caps.MANAGE, village.path),
            "choices": [_rule_choice(r, r.current) for r in choosable]}


def _hours_village(user, code: str):
    return access_area(user, code=code, capability=caps.VIEW, level=Level.VILLAGE, from_inside=True)


@router.get("/villages/{code}/hours-rule/", response={200: HoursRuleOut, **VOL_ERRORS},
            summary="嘎查村的志愿时长积分项目（已确认的服务时长按它申报积分）及可选项目")
@api_errors
def get_hours_rule(request, code: VillageCode):
    return Status(200, _hours_rule_out(request.user, _hours_village(request.user, code)))


@router.put("/villages/{code}/hours-rule/", response={200: HoursRuleOut, **VOL_ERRORS},
            summary="设置或取消嘎查村的志愿时长积分项目（管理；已申报的不受影响；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors(fields={"rule": "rule_id"})
def set_hours_rule(request, response: HttpResponse, code: VillageCode, payload: HoursRuleIn,
                   idempotency_key: OptionalKey = None):
    user = request.user
    village = _hours_village(user, code)
    if not scope_of(user).can(caps.MANAGE, village.path):
        refuse(seen=True)  # admitted to look above: 403
    rule = None
    if payload.rule_id is not None:
        rule = next((r for r in selectors.hours_rules_choosable(village) if r.pk == payload.rule_id), None)
        if rule is None:
            raise ValidationError({"rule_id": f"编号 {payload.rule_id} 不是{village.name}可选的志愿时长积分项目"})
    actor = Actor.from_request(request)

    def work() -> dict:
        services.set_hours_rule(actor=actor, village=village, rule=rule)
        return HoursRuleOut.model_validate(_hours_rule_out(user, village)).model_dump()

    return once(request, response, key=idempotency_key, required=False, action=services.HOURS_RULE_SET,
                body={"village": village.code, **payload.model_dump(mode="json")}, work=work, status=200)


class HoursClaimRefOut(Schema):
    id: int
    status: str
    status_label: str
    points: int


class HoursOutcomeOut(Schema):
    id: int
    signup_id: int
    served_on: date
    volunteer: TeamRef
    activity_id: int
    activity_title: str
    confirmed_minutes: int | None = Field(description="确认的分钟数")
    outcome: str = Field(description="proposed / capped / no_rule / not_resident / too_old / not_applicable / carried")
    outcome_label: str
    hours: int = Field(description="计分小时（提交审核的）")
    claim: HoursClaimRefOut | None = Field(description="提交的积分申报及其审核状态（未提交为 null）")


class HoursOutcomesQuery(Schema):
    month: str | None = Field(None, max_length=7, description="月份 YYYY-MM；默认本月")
    limit: Limit = 50
    cursor: Cursor = None


def _month(raw: str | None) -> tuple[date, date]:
    text = (raw or "").strip()
    try:
        day = datetime.strptime(text, "%Y-%m").date() if text else timezone.localdate().replace(day=1)
    except ValueError:
        raise ValidationError({"month": "月份格式不正确（YYYY-MM，如 2026-06）"}) from None
    if not 2000 <= day.year <= 2999:
        raise ValidationError({"month": "月份须在 2000 年到 2999 年之间"})
    return period_bounds(day, "month")


@router.get("/villages/{code}/hours-rule/outcomes/", response={200: Page(HoursOutcomeOut), **VOL_ERRORS},
            summary="一个月内本村志愿者已确认的服务时长提交积分的结果（按服务日期；分页）")
@api_errors
def hours_outcomes(request, code: VillageCode, filters: Query[HoursOutcomesQuery]):
    village = _hours_village(request.user, code)
    start, end = _month(filters.month)
    position = position_of(filters.cursor)
    rows = list(selectors.hours_outcomes(village, start, end)[position:position + filters.limit + 1])
    return page([{
        "id": o.pk, "signup_id": o.signup_id, "served_on": o.signup.served_on,
        "volunteer": {"id": o.signup.volunteer_id, "name": o.signup.volunteer.name},
        "activity_id": o.signup.activity_id, "activity_title": o.signup.activity.title,
        "confirmed_minutes": o.signup.confirmed_minutes, "outcome": o.outcome, "outcome_label": o.get_outcome_display(),
        "hours": o.hours, "claim": None if o.claim is None else {
            "id": o.claim.pk, "status": o.claim.status, "status_label": o.claim.get_status_display(),
            "points": o.claim.points}} for o in rows], filters.limit, position)


# ================================================================================================ managing sites and teams
# What the pages' 新建阵地 / 编辑阵地 / 新建服务队 do, through the same services (MANAGE on the area).


class SiteIn(StrictIn):
    area_code: StrictStr = Field("", max_length=20, description="所在区域的区划代码；默认为本人管理的最上级区域")
    level: Literal["point"] | None = Field(None, description="省略时按区域自动（中心/所/站）；point 为实践点")
    name: StrictStr = Field(min_length=1, max_length=100)
    address: StrictStr = Field("", max_length=200)
    opening_hours: StrictStr = Field("", max_length=100)
    offers: StrictStr = Field("", max_length=2000)
    phone: StrictStr = Field("", max_length=20, description="阵地的公开电话")


def _manages_somewhere(user) -> None:
    scope = scope_of(user)
    if not scope.paths(caps.MANAGE):
        refuse(seen=bool(scope.paths(caps.VIEW)))


@router.post("/sites/", response={201: SiteOut, **VOL_ERRORS},
             summary="新建实践阵地（管理；该区域已有同级阵地答 409；幂等，须带 Idempotency-Key）")
@api_errors
def create_site(request, response: HttpResponse, payload: SiteIn, idempotency_key: RequiredKey = None):
    user = request.user
    _manages_somewhere(user)
    code = payload.area_code.strip()
    area = access_area(user, code=code, capability=caps.VIEW) if code else selectors.default_area(user, caps.MANAGE)
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.create_site(actor=actor, area=area, name=payload.name, level=payload.level,
                                    address=payload.address, opening_hours=payload.opening_hours,
                                    offers=payload.offers, phone=payload.phone)
        return SiteOut.model_validate(_site_out(selectors.access_site(user, made.pk))).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.SITE_CREATE,
                body=payload.model_dump(mode="json"), work=work)


class SitePatch(StrictIn):
    name: StrictStr | None = Field(None, min_length=1, max_length=100)
    address: StrictStr | None = Field(None, max_length=200)
    opening_hours: StrictStr | None = Field(None, max_length=100)
    offers: StrictStr | None = Field(None, max_length=2000)
    phone: StrictStr | None = Field(None, max_length=20)
    is_active: StrictBool | None = None


@router.patch("/sites/{int:site_id}/", response={200: SiteOut, **VOL_ERRORS},
              summary="修改实践阵地（管理；只改传来的字段；级别和区域不变）")
@api_errors
def update_site(request, response: HttpResponse, site_id: ObjectId, payload: SitePatch,
                idempotency_key: OptionalKey = None):
    user = request.user
    site = selectors.access_site(user, site_id)
    actor = Actor.from_request(request)
    fields = ("name", "address", "opening_hours", "offers", "phone", "is_active")
    changes = payload.model_dump(exclude_none=True)

    def work() -> dict:
        services.update_site(actor=actor, site=site, **{f: changes.get(f, getattr(site, f)) for f in fields})
        return SiteOut.model_validate(_site_out(selectors.access_site(user, site.pk))).model_dump()

    return once(request, response, key=idempotency_key, required=False, action=services.SITE_UPDATE,
                body={"site": site_id, **changes}, work=work, status=200)


class TeamIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=100)
    site_id: StrictObjectId | None = Field(None, description="所属阵地（与 unit_id 二选一）")
    unit_id: StrictObjectId | None = Field(None, description="或所属单位")
    specialty: Team.Specialty = Team.Specialty.OTHER
    description: StrictStr = Field("", max_length=300)
    leader_id: StrictObjectId | None = Field(None, description="队长（已注册的志愿者），可不填")


@router.post("/teams/", response={201: TeamDetailOut, **VOL_ERRORS},
             summary="新建服务队（管理；属于一个阵地或一个单位；幂等，须带 Idempotency-Key）")
@api_errors
def create_team(request, response: HttpResponse, payload: TeamIn, idempotency_key: RequiredKey = None):
    user = request.user
    _manages_somewhere(user)
    scope = scope_of(user)
    site = unit = leader = None
    if payload.site_id is not None:
        site = selectors.visible_sites(user).filter(pk=payload.site_id, is_active=True).select_related("area").first()
        if site is None:
            raise ValidationError({"site_id": f"编号 {payload.site_id} 的阵地不存在或已停用"})
    elif payload.unit_id is not None:
        unit = Unit.objects.filter(scope.q(caps.MANAGE, "path"), pk=payload.unit_id, is_active=True).first()
        if unit is None:
            raise ValidationError({"unit_id": f"编号 {payload.unit_id} 的单位不存在或不在您管理的区域"})
    else:
        raise ValidationError({"site_id": "服务队须属于一个实践阵地或一个单位"})
    if payload.leader_id is not None:
        leader = Volunteer.objects.filter(scope.q(caps.MANAGE, "path"), pk=payload.leader_id, is_active=True).first()
        if leader is None:
            raise ValidationError({"leader_id": f"编号 {payload.leader_id} 的志愿者不存在或不在您管理的区域"})
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.create_team(actor=actor, name=payload.name, site=site, unit=unit,
                                    specialty=payload.specialty.value, description=payload.description, leader=leader)
        return TeamDetailOut.model_validate(_team_detail(user, made.pk)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.TEAM_CREATE,
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ 派单 → 接单
# A team's leader answers the wishes dispatched to the team (the page 接单); dispatching a wish to a team (派单) is
# below (the wish's own routes are the demands API's).


class DemandRefOut(Schema):
    id: int
    tracking_code: str
    summary: str
    status: str
    status_label: str
    area: AreaRef


class WishDispatchOut(Schema):
    id: int
    status: str = Field(description="dispatched 待接单 / accepted 已接单 / declined 已婉拒")
    status_label: str
    team: TeamRef
    demand: DemandRefOut
    note: str
    dispatched_at: datetime
    decided_at: datetime | None
    decline_reason: str
    wish_claim_id: int | None


def _dispatch_out(d) -> dict:
    demand = d.demand
    return {"id": d.pk, "status": d.status, "status_label": d.get_status_display(),
            "team": {"id": d.team_id, "name": d.team.name},
            "demand": {"id": demand.pk, "tracking_code": demand.tracking_code, "summary": demand.summary,
                       "status": demand.status, "status_label": demand.get_status_display(),
                       "area": area_ref(demand.area)},
            "note": d.note, "dispatched_at": d.dispatched_at, "decided_at": d.decided_at,
            "decline_reason": d.decline_reason, "wish_claim_id": d.wish_claim_id}


def _team_dispatch(user, pk: int) -> Dispatch:
    """A dispatch to a team the caller leads or reaches by area (404 otherwise; the service says 403)."""
    found = visible_teams(user, Dispatch.objects.select_related("team", "demand__area", "wish_claim"), caps.VIEW,
                          via="team__").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _dispatch_reply(user, pk: int) -> dict:
    return WishDispatchOut.model_validate(_dispatch_out(_team_dispatch(user, pk))).model_dump()


class DispatchesQuery(Schema):
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/dispatches/", response={200: Page(WishDispatchOut), **VOL_ERRORS},
            summary="派给本人所带服务队的微心愿（待接单的在前；分页）")
@api_errors
def list_dispatches(request, filters: Query[DispatchesQuery]):
    user = request.user
    if not Team.objects.filter(led_teams_q(user)).exists() and not scope_of(user).paths(caps.VIEW):
        refuse(seen=False)
    position = position_of(filters.cursor)
    rows = list(selectors.team_dispatches(user)[position:position + filters.limit + 1])
    return page([_dispatch_out(d) for d in rows], filters.limit, position)


class AcceptActivityIn(StrictIn):
    title: StrictStr = Field("", max_length=100, description="可不填，默认用心愿内容")
    place: StrictStr = Field(min_length=1, max_length=200)
    starts_at: StrictStr = Field(max_length=40, description="ISO 8601，不带时区按北京时间")
    ends_at: StrictStr = Field(max_length=40)
    slots: StrictInt = Field(ge=1, le=500)


class AcceptIn(StrictIn):
    activity: AcceptActivityIn | None = Field(None, description="同时发布一次志愿活动（可不填）")


@router.post("/dispatches/{int:dispatch_id}/accept/", response={200: WishDispatchOut, **VOL_ERRORS},
             summary="接单（队长；即认领该微心愿，可同时发布活动；已接单或已婉拒答 409；"
                     "带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def accept_dispatch(request, response: HttpResponse, dispatch_id: ObjectId, payload: AcceptIn,
                    idempotency_key: OptionalKey = None):
    user = request.user
    dispatch = _team_dispatch(user, dispatch_id)
    activity = None
    if payload.activity is not None:
        a = payload.activity
        activity = {"title": a.title, "place": a.place, "starts_at": _moment(a.starts_at, "starts_at"),
                    "ends_at": _moment(a.ends_at, "ends_at"), "slots": a.slots}
    actor = Actor.from_request(request)

    def work() -> dict:
        services.accept_dispatch(actor=actor, dispatch=dispatch, activity=activity)
        return _dispatch_reply(user, dispatch.pk)

    return once(request, response, key=idempotency_key, required=False, action=services.DISPATCH_ACCEPT,
                body={"dispatch": dispatch_id, **payload.model_dump(mode="json")}, work=work, status=200)


class DeclineIn(StrictIn):
    reason: StrictStr = Field(min_length=1, max_length=200)


@router.post("/dispatches/{int:dispatch_id}/decline/", response={200: WishDispatchOut, **VOL_ERRORS},
             summary="婉拒（队长，须填原因；心愿留待另行派单；已接单或已婉拒答 409）")
@api_errors
def decline_dispatch(request, response: HttpResponse, dispatch_id: ObjectId, payload: DeclineIn,
                     idempotency_key: OptionalKey = None):
    user = request.user
    dispatch = _team_dispatch(user, dispatch_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.decline_dispatch(actor=actor, dispatch=dispatch, reason=payload.reason)
        return _dispatch_reply(user, dispatch.pk)

    return once(request, response, key=idempotency_key, required=False, action=services.DISPATCH_DECLINE,
                body={"dispatch": dispatch_id, **payload.model_dump(mode="json")}, work=work, status=200)


class DoneIn(StrictIn):
    note: StrictStr = Field(min_length=1, max_length=1000, description="完成情况（群众评价时可见）")


@router.post("/dispatches/{int:dispatch_id}/done/", response={200: WishDispatchOut, **VOL_ERRORS},
             summary="完成（接单的队长；心愿随之实现，待群众评价；未接单或已完成答 409；"
                     "带 Idempotency-Key 时重试返回同样的结果）")
@api_errors(fields={"dispatch": "dispatch_id"})
def complete_dispatch(request, response: HttpResponse, dispatch_id: ObjectId, payload: DoneIn,
                      idempotency_key: OptionalKey = None):
    user = request.user
    dispatch = _team_dispatch(user, dispatch_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.complete_dispatch(actor=actor, dispatch=dispatch, note=payload.note)
        return _dispatch_reply(user, dispatch.pk)

    return once(request, response, key=idempotency_key, required=False, action=services.DISPATCH_DONE,
                body={"dispatch": dispatch_id, **payload.model_dump(mode="json")}, work=work, status=200)


# 派单 of one wish (the page 派单): the teams it may go to, the teams asked so far, and dispatching it to a team
# (MANAGE on the wish's area; services.dispatch_wish). A wish is a demand of kind "wish" (the demands API's).


class WishTeamOut(Schema):
    id: int
    name: str
    specialty: str
    specialty_label: str
    area: AreaRef
    site_id: int | None
    unit_id: int | None


class WishTeamsQuery(Schema):
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/wishes/{int:wish_id}/teams/", response={200: Page(WishTeamOut), **VOL_ERRORS},
            summary="一个微心愿可派给的服务队（心愿所在区域及以上的、服务该区域的单位的；分页）")
@api_errors
def wish_teams(request, wish_id: ObjectId, filters: Query[WishTeamsQuery]):
    demand = selectors.visible_wish(request.user, wish_id)
    position = position_of(filters.cursor)
    rows = list(selectors.wish_teams(demand).select_related("area")[position:position + filters.limit + 1])
    return page([{"id": t.pk, "name": t.name, "specialty": t.specialty, "specialty_label": t.get_specialty_display(),
                  "area": area_ref(t.area), "site_id": t.site_id, "unit_id": t.unit_id} for t in rows],
                filters.limit, position)


@router.get("/wishes/{int:wish_id}/dispatches/", response={200: Page(WishDispatchOut), **VOL_ERRORS},
            summary="一个微心愿的派单记录（最新的在前；分页）")
@api_errors
def wish_dispatches(request, wish_id: ObjectId, filters: Query[WishTeamsQuery]):
    demand = selectors.visible_wish(request.user, wish_id)
    position = position_of(filters.cursor)
    rows = list(Dispatch.objects.filter(demand=demand).select_related("team", "demand__area", "wish_claim")
                .order_by("-dispatched_at", "-pk")[position:position + filters.limit + 1])
    return page([_dispatch_out(d) for d in rows], filters.limit, position)


class WishDispatchIn(StrictIn):
    team_id: StrictObjectId = Field(description="派给的服务队（/wishes/{wish_id}/teams/ 之一）")
    note: StrictStr = Field("", max_length=200, description="派单说明（可不填）")


@router.post("/wishes/{int:wish_id}/dispatch/", response={201: WishDispatchOut, **VOL_ERRORS},
             summary="派单：把微心愿派给一支服务队，待队长接单（管理；心愿已被认领、已派出待接单或不在待认领状态答 409；"
                     "幂等，须带 Idempotency-Key）")
@api_errors(fields={"team": "team_id", "demand": "wish_id"})
def dispatch_wish(request, response: HttpResponse, wish_id: ObjectId, payload: WishDispatchIn,
                  idempotency_key: RequiredKey = None):
    user = request.user
    demand = selectors.visible_wish(user, wish_id)
    if not scope_of(user).can(caps.MANAGE, demand.path):
        refuse(seen=True)  # admitted to look above: 403
    team = selectors.wish_teams(demand).select_related("unit").filter(pk=payload.team_id).first()
    if team is None:
        raise ValidationError({"team_id": f"编号 {payload.team_id} 的服务队不存在、已停用或不服务{demand.area.name}"})
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.dispatch_wish(actor=actor, demand=demand, team=team, note=payload.note)
        found = Dispatch.objects.select_related("team", "demand__area", "wish_claim").get(pk=made.pk)
        return WishDispatchOut.model_validate(_dispatch_out(found)).model_dump()

    return once(request, response, key=idempotency_key, required=True, action=services.DISPATCH_CREATE,
                body={"wish": wish_id, **payload.model_dump(mode="json")}, work=work)


def _rota_turn(user, pk: int) -> RotaTurn:
    """A turn of a rota the caller may look at; 404 otherwise (who may change it is the service's to say)."""
    turn = RotaTurn.objects.select_related("rota", "team").filter(pk=pk).first()
    if turn is None:
        raise Http404
    selectors.access_rota(user, pk=turn.rota_id)
    return turn


def _other_turn(turn: RotaTurn, pk: int) -> RotaTurn:
    other = RotaTurn.objects.select_related("rota", "team").filter(pk=pk, rota_id=turn.rota_id).first()
    if other is None:
        raise ValidationError({"other_turn_id": f"编号 {pk} 的班次不在“{turn.rota.title}”上"})
    return other


def _turns_reply(rota, *pks: int) -> dict[int, dict]:
    """The turns ``pks`` as they now are, each as ``TurnOut`` dumps it."""
    return {t.pk: TurnOut.model_validate(_turn_out(t)).model_dump() for t in selectors.rota_turns(rota) if t.pk in pks}


class ReplaceIn(StrictIn):
    out_id: StrictObjectId = Field(description="换下的当班队员")
    into_id: StrictObjectId = Field(description="换上的同队队员（须此时段有空）")


@router.post("/rotas/turns/{int:turn_id}/replace/", response={200: TurnOut, **ROTA_ERRORS},
             summary="换人：同队另一名队员替换当班队员（队长或管理；已发布的排班报名随之改变；班次已开始答 409；"
                     "带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def replace_rota_member(request, response: HttpResponse, turn_id: ObjectId, payload: ReplaceIn,
                        idempotency_key: OptionalKey = None):
    user = request.user
    turn = _rota_turn(user, turn_id)
    people = {v.pk: v for v in Volunteer.objects.filter(pk__in=[payload.out_id, payload.into_id])}
    for field, pk in (("out_id", payload.out_id), ("into_id", payload.into_id)):
        if pk not in people:
            raise ValidationError({field: f"编号 {pk} 的志愿者不存在"})
    actor = Actor.from_request(request)

    def work() -> dict:
        services.replace_rota_member(actor=actor, turn=turn, out=people[payload.out_id],
                                     into=people[payload.into_id])
        return _turns_reply(turn.rota, turn.pk)[turn.pk]

    return once(request, response, key=idempotency_key, required=False, action=services.ROTA_REPLACE,
                body={"turn": turn_id, **payload.model_dump(mode="json")}, work=work, status=200)


class RotaTurnPairOut(Schema):
    turn: TurnOut = Field(description="本班次（调整后）")
    other_turn: TurnOut = Field(description="另一个班次（调整后）")


class SwapTurnsIn(StrictIn):
    other_turn_id: StrictObjectId = Field(description="同一周的另一个班次（两个服务队对调日期和时段）")


@router.post("/rotas/turns/{int:turn_id}/swap/", response={200: RotaTurnPairOut, **ROTA_ERRORS},
             summary="对调两个班次的日期（管理；仅草稿；同一周的两个服务队；排班已发布答 409；"
                     "带 Idempotency-Key 时重试返回同样的结果）")
@api_errors(fields={"other_turn": "other_turn_id"})
def swap_rota_turns(request, response: HttpResponse, turn_id: ObjectId, payload: SwapTurnsIn,
                    idempotency_key: OptionalKey = None):
    turn = _rota_turn(request.user, turn_id)
    other = _other_turn(turn, payload.other_turn_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        services.swap_rota_turns(actor=actor, turn=turn, other_turn=other)
        turns = _turns_reply(turn.rota, turn.pk, other.pk)
        return {"turn": turns[turn.pk], "other_turn": turns[other.pk]}

    return once(request, response, key=idempotency_key, required=False, action=services.ROTA_SWAP_TURNS,
                body={"turn": turn_id, **payload.model_dump(mode="json")}, work=work, status=200)


class SwapMembersIn(StrictIn):
    volunteer_id: StrictObjectId = Field(description="本班次换出的队员")
    other_turn_id: StrictObjectId = Field(description="同一排班表的另一个班次")
    other_volunteer_id: StrictObjectId = Field(description="另一个班次换过来的队员")


@router.post("/rotas/turns/{int:turn_id}/swap-members/", response={200: RotaTurnPairOut, **ROTA_ERRORS},
             summary="两个班次的队员对调（队长或管理；各自须是对方服务队的队员且此时段有空；已发布的排班报名随之改变；"
                     "班次已开始答 409；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors(fields={"other_turn": "other_turn_id", "volunteer": "volunteer_id",
                    "other_volunteer": "other_volunteer_id"})
def swap_rota_members(request, response: HttpResponse, turn_id: ObjectId, payload: SwapMembersIn,
                      idempotency_key: OptionalKey = None):
    turn = _rota_turn(request.user, turn_id)
    other = _other_turn(turn, payload.other_turn_id)
    people = {v.pk: v for v in Volunteer.objects.filter(pk__in=[payload.volunteer_id, payload.other_volunteer_id])}
    for field, pk in (("volunteer_id", payload.volunteer_id), ("other_volunteer_id", payload.other_volunteer_id)):
        if pk not in people:
            raise ValidationError({field: f"编号 {pk} 的志愿者不存在"})
    actor = Actor.from_request(request)

    def work() -> dict:
        services.swap_rota_members(actor=actor, turn=turn, volunteer=people[payload.volunteer_id], other_turn=other,
                                   other_volunteer=people[payload.other_volunteer_id])
        turns = _turns_reply(turn.rota, turn.pk, other.pk)
        return {"turn": turns[turn.pk], "other_turn": turns[other.pk]}

    return once(request, response, key=idempotency_key, required=False, action=services.ROTA_SWAP,
                body={"turn": turn_id, **payload.model_dump(mode="json")}, work=work, status=200)


# ================================================================================================ the register's sheet
# (docs/api.md "Imports and exports": the page's own workbook through the page's view)


class VolunteersXlsxQuery(Schema):
    area_code: str = Field("", max_length=20, description="区划代码；默认调用者最外层的区域")
    team_id: ObjectId | None = Field(None, description="只导出该队伍的志愿者")
    stars: int | None = Field(None, ge=0, le=5, description="只导出该星级")


@router.get("/volunteers/xlsx/", response={401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            openapi_extra=download("志愿者名册（.xlsx），与网页导出的相同：区域内的志愿者、所在队伍、服务时长和星级"),
            summary="导出志愿者名册（Excel）")
@api_errors
def volunteers_xlsx(request, filters: Query[VolunteersXlsxQuery]):
    page_query(request, area=filters.area_code, team=filters.team_id, stars=filters.stars)
    return views.people_xlsx(request)
