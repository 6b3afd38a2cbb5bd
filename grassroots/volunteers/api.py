"""The volunteer service's JSON API (mounted at /api/volunteers): sites, teams, volunteers, activities, sign-ups
(idempotent), check-in and check-out, hours. Same conventions as the other routers (docs/conventions.md)."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictBool, StrictInt, StrictStr

from grassroots.access.scope import access_activity, access_area, access_team, refuse, scope_of
from grassroots.api.common import Limit, Offset, OptionalKey, RequiredKey, area_ref, once, page
from grassroots.api.errors import ErrorOut, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import selectors, services
from grassroots.volunteers.models import SignUp, Volunteer

router = Router(tags=["志愿服务"])


# ================================================================================================ sites, teams, volunteers (section A)


# ================================================================================================ activities, sign-ups, check-in/out, hours (section B)

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
    area: dict = Field(description="{code, name}")
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


class ActivityList(Schema):
    items: list[ActivityOut]
    next_offset: int | None


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
    team: ObjectId | None = None
    area: str = Field("", max_length=20, description="区划代码")
    limit: Limit = 50
    offset: Offset = 0


@router.get("/activities", response={200: ActivityList, **B_ERRORS},
            summary="志愿活动：本人带领或所辖区域的，以及公开的（分页）")
@api_errors
def list_activities(request, filters: Query[ActivitiesQuery]):
    user = request.user
    area = access_area(user, code=filters.area.strip(), capability=caps.VIEW) if filters.area.strip() else None
    team = access_team(user, pk=filters.team) if filters.team else None
    rows = selectors.listed_activities(user, now=timezone.now(), past=filters.when == "past",
                                       area_path=area.path if area else "", team=team)
    chunk = list(rows[filters.offset:filters.offset + filters.limit + 1])
    mine = selectors.my_signups_on(user, [a.pk for a in chunk])
    return page([_activity_out(a, mine=mine.get(a.pk)) for a in chunk], filters.limit, filters.offset)


@router.get("/activities/{int:activity_id}", response={200: ActivityOut, **B_ERRORS},
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
    team: StrictObjectId
    title: StrictStr = Field(min_length=1, max_length=100)
    place: StrictStr = Field(min_length=1, max_length=200)
    starts_at: StrictStr = Field(max_length=40, description="ISO 8601，不带时区按北京时间")
    ends_at: StrictStr = Field(max_length=40)
    slots: StrictInt = Field(ge=1, le=500)
    needs: StrictStr = Field("", max_length=200)
    description: StrictStr = Field("", max_length=2000)
    auto_checkout_minutes: StrictInt = Field(120, ge=0, le=24 * 60)
    is_public: StrictBool = True


@router.post("/activities", response={201: ActivityOut, **B_ERRORS},
             summary="发布志愿活动（队长或管理；幂等，须带 Idempotency-Key）")
@api_errors
def create_activity(request, response: HttpResponse, payload: ActivityIn, idempotency_key: RequiredKey = None):
    user = request.user
    team = access_team(user, pk=payload.team)
    actor = Actor.from_request(request)
    starts_at, ends_at = _moment(payload.starts_at, "starts_at"), _moment(payload.ends_at, "ends_at")

    def work() -> dict:
        made = services.create_activity(
            actor=actor, team=team, title=payload.title, place=payload.place, starts_at=starts_at, ends_at=ends_at,
            slots=payload.slots, needs=payload.needs, description=payload.description,
            auto_checkout_minutes=payload.auto_checkout_minutes, is_public=payload.is_public)
        return ActivityOut.model_validate(_activity_detail(user, made.pk)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action=services.ACTIVITY_CREATE,
                body=payload.model_dump(mode="json"), work=work)


@router.post("/activities/{int:activity_id}/cancel", response={200: ActivityOut, **B_ERRORS},
             summary="取消志愿活动（队长或管理）")
@api_errors
def cancel_activity(request, activity_id: ObjectId):
    user = request.user
    activity = access_activity(user, pk=activity_id)
    services.cancel_activity(actor=Actor.from_request(request), activity=activity)
    return 200, _activity_detail(user, activity.pk)


class SignUpIn(StrictIn):
    volunteer: StrictObjectId | None = Field(None, description="为队员代报名时填写（队长或管理）；默认本人")


class SignUpOut(MySignUpOut):
    activity: int
    volunteer: TeamRef


def _signup_reply(user, pk: int) -> dict:
    signup = selectors.with_position(SignUp.objects.filter(pk=pk).select_related("volunteer")).get()
    return {**_signup_out(signup, with_volunteer=True), "activity": signup.activity_id}


@router.post("/activities/{int:activity_id}/signups", response={201: SignUpOut, **B_ERRORS},
             summary="报名（名额已满进入候补；幂等，须带 Idempotency-Key：重试只报名一次并返回同样的结果）")
@api_errors
def create_signup(request, response: HttpResponse, activity_id: ObjectId, payload: SignUpIn,
                  idempotency_key: RequiredKey = None):
    user = request.user
    activity = selectors.activity_page(user, activity_id, now=timezone.now()).activity
    if payload.volunteer is None:
        volunteer = selectors.volunteer_of(user)
        if volunteer is None:
            raise ValidationError({"volunteer": "请先注册为志愿者，再报名活动"})
    else:
        volunteer = selectors.visible_volunteers(user).filter(pk=payload.volunteer).first()
        if volunteer is None:
            volunteer = (Volunteer.objects.filter(pk=payload.volunteer, team_memberships__team=activity.team,
                                                  team_memberships__left_on__isnull=True).first())
        if volunteer is None:
            raise ValidationError({"volunteer": "志愿者不存在或不是本队队员"})
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.sign_up(actor=actor, activity=activity, volunteer=volunteer)
        return SignUpOut.model_validate(_signup_reply(user, made.pk)).model_dump(mode="json")

    return once(request, response, key=idempotency_key, required=True, action=services.SIGNUP_CREATE,
                body={"activity": activity_id, **payload.model_dump(mode="json")}, work=work)


def _signup_action(request, response, signup_id: int, key: str | None, action: str, run) -> Status:
    user = request.user
    signup = selectors.signup_for(user, signup_id)
    actor = Actor.from_request(request)

    def work() -> dict:
        run(actor=actor, signup=signup)
        return SignUpOut.model_validate(_signup_reply(user, signup.pk)).model_dump(mode="json")

    return once(request, response, key=key, required=False, action=action, body={"signup": signup_id}, work=work,
                status=200)


@router.post("/signups/{int:signup_id}/cancel", response={200: SignUpOut, **B_ERRORS},
             summary="取消报名（候补第一位自动递补；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def cancel_signup(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: OptionalKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CANCEL,
                          services.cancel_sign_up)


@router.delete("/signups/{int:signup_id}", response={200: SignUpOut, **B_ERRORS}, summary="取消报名（同 POST …/cancel）")
@api_errors
def delete_signup(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: OptionalKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CANCEL,
                          services.cancel_sign_up)


@router.post("/signups/{int:signup_id}/check-in", response={200: SignUpOut, **B_ERRORS},
             summary="签到（活动开始前1小时至结束；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def check_in(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: OptionalKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CHECK_IN, services.check_in)


@router.post("/signups/{int:signup_id}/check-out", response={200: SignUpOut, **B_ERRORS},
             summary="签退（时长待队长确认；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def check_out(request, response: HttpResponse, signup_id: ObjectId, idempotency_key: OptionalKey = None):
    return _signup_action(request, response, signup_id, idempotency_key, services.SIGNUP_CHECK_OUT,
                          services.check_out)


class MyServiceOut(Schema):
    volunteer: TeamRef
    confirmed_minutes: int = Field(description="已确认累计分钟数（星级依据）")
    pending_minutes: int = Field(description="已签退待确认的分钟数：不计入累计")
    stars: int
    minutes_to_next_star: int | None
    upcoming: list[SignUpOut]
    past: list[SignUpOut]


@router.get("/signups/mine", response={200: MyServiceOut, **B_ERRORS}, summary="我的志愿服务：报名、服务记录与时长")
@api_errors
def my_signups(request):
    volunteer = selectors.volunteer_of(request.user)
    if volunteer is None:
        refuse(seen=False)
    found = selectors.my_service(volunteer, now=timezone.now())

    def row(s):
        return {**_signup_out(s), "activity": s.activity_id, "volunteer": {"id": volunteer.pk, "name": volunteer.name}}

    return {"volunteer": {"id": volunteer.pk, "name": volunteer.name}, "confirmed_minutes": found.confirmed_minutes,
            "pending_minutes": found.pending_minutes, "stars": found.stars,
            "minutes_to_next_star": found.to_next_star, "upcoming": [row(s) for s in found.upcoming],
            "past": [row(s) for s in found.past]}


class QueueRowOut(Schema):
    signup: int
    activity: int
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


class QueueOut(Schema):
    items: list[QueueGroupOut]


def _queue_row(signup, proposed: int) -> dict:
    a = signup.activity
    return {"signup": signup.pk, "activity": a.pk, "activity_title": a.title, "starts_at": a.starts_at,
            "ends_at": a.ends_at, "checked_in_at": signup.checked_in_at, "checked_out_at": signup.checked_out_at,
            "auto_checkout": signup.auto_checkout, "no_show": signup.no_show, "proposed_minutes": proposed}


@router.get("/hours/pending", response={200: QueueOut, **B_ERRORS},
            summary="待确认服务时长（队长：本队；管理：所辖区域），按志愿者分组")
@api_errors
def pending_hours(request):
    user = request.user
    if not selectors.runs_any_team(user):
        refuse(seen=bool(scope_of(user).paths(caps.VIEW)))
    groups = selectors.hours_queue(user, now=timezone.now())
    return {"items": [{"volunteer": {"id": g.volunteer.pk, "name": g.volunteer.name},
                       "rows": [_queue_row(r.signup, r.proposed) for r in g.rows],
                       "no_shows": [_queue_row(s, 0) for s in g.no_shows]} for g in groups]}


class ConfirmItemIn(StrictIn):
    signup: StrictObjectId
    minutes: StrictInt = Field(ge=0, le=12 * 60, description="确认的分钟数（0 表示不计时长）")


class ConfirmIn(StrictIn):
    items: list[ConfirmItemIn] = Field(min_length=1, max_length=200)


class ConfirmOut(Schema):
    confirmed: list[int]
    total_minutes: int


@router.post("/hours/confirm", response={200: ConfirmOut, **B_ERRORS},
             summary="确认服务时长（全部成功或全部不变；带 Idempotency-Key 时重试返回同样的结果）")
@api_errors
def confirm_hours(request, response: HttpResponse, payload: ConfirmIn, idempotency_key: OptionalKey = None):
    minutes = {}
    for item in payload.items:
        if item.signup in minutes:
            raise ValidationError({"items": f"报名记录{item.signup}重复"})
        minutes[item.signup] = item.minutes
    actor = Actor.from_request(request)

    def work() -> dict:
        done = services.confirm_hours(actor=actor, minutes_by_signup=minutes)
        return {"confirmed": [s.pk for s in done], "total_minutes": sum(s.confirmed_minutes for s in done)}

    return once(request, response, key=idempotency_key, required=False, action=services.HOURS_CONFIRM,
                body=payload.model_dump(mode="json"), work=work, status=200)


# ================================================================================================ rotas (section C)


# ================================================================================================ hours → points (section D)
