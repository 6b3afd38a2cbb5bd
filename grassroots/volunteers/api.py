"""The volunteer service's JSON API (mounted at /api/volunteers): sites, teams, volunteers, activities, sign-ups
(idempotent), check-in and check-out, hours. Same conventions as the other routers (docs/conventions.md)."""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictStr

from grassroots.access.scope import (
    access_area,
    access_team,
    leads_team,
    led_teams_q,
    refuse,
    require_team,
    scope_of,
)
from grassroots.api.common import Limit, Offset, RequiredKey, once, page
from grassroots.api.errors import ErrorOut, StrictIn, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId, StrictObjectId
from grassroots.audit.context import Actor
from grassroots.rules.volunteering import SLOT_LABELS
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers import selectors, services
from grassroots.volunteers.models import Team, Volunteer

router = Router(tags=["志愿服务"])


# ================================================================================================ sites, teams, volunteers (section A)


VOL_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}


class AreaRef(Schema):
    code: str
    name: str


class SiteOut(Schema):
    id: int
    level: str = Field(description="centre / institute / station / point")
    level_label: str
    name: str
    area: AreaRef
    parent: int | None
    address: str
    opening_hours: str
    offers: str
    phone: str = Field(description="阵地的公开电话")
    is_active: bool


class SiteList(Schema):
    items: list[SiteOut]
    next_offset: int | None


def _area(area) -> dict:
    return {"code": area.code, "name": area.name}


def _site_out(s) -> dict:
    return {"id": s.pk, "level": s.level, "level_label": s.get_level_display(), "name": s.name, "area": _area(s.area),
            "parent": s.parent_id, "address": s.address, "opening_hours": s.opening_hours, "offers": s.offers,
            "phone": s.phone, "is_active": s.is_active}


class AreaQuery(Schema):
    area: str = Field("", max_length=20, description="区划代码；默认为可见的全部")
    limit: Limit = 50
    offset: Offset = 0


def _sees(user) -> None:
    if not selectors.sees_volunteers(user):
        refuse(seen=False)


def _area_filter(user, code: str):
    return access_area(user, code=code, capability=caps.VIEW) if code.strip() else None


@router.get("/sites", response={200: SiteList, **VOL_ERRORS}, summary="新时代文明实践阵地（分页）")
@api_errors
def list_sites(request, filters: Query[AreaQuery]):
    user = request.user
    _sees(user)
    sites = selectors.visible_sites(user)
    area = _area_filter(user, filters.area)
    if area is not None:
        sites = sites.filter(path__startswith=area.path)
    chunk = list(sites[filters.offset:filters.offset + filters.limit + 1])
    return page([_site_out(s) for s in chunk], filters.limit, filters.offset)


@router.get("/sites/{int:site_id}", response={200: SiteOut, **VOL_ERRORS}, summary="一个实践阵地")
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
    site: int | None
    unit: int | None
    area: AreaRef
    leader: VolunteerRef | None
    member_count: int
    is_active: bool


class TeamDetailOut(TeamOut):
    members: list[MemberOut]


class TeamList(Schema):
    items: list[TeamOut]
    next_offset: int | None


def _ref(v, phones: bool) -> dict:
    return {"id": v.pk, "name": v.name, "mobile": (v.mobile or "") if phones else None}


def _team_out(t, *, phones: bool, members: list | None = None) -> dict:
    out = {"id": t.pk, "name": t.name, "specialty": t.specialty, "specialty_label": t.get_specialty_display(),
           "description": t.description, "site": t.site_id, "unit": t.unit_id, "area": _area(t.area),
           "leader": _ref(t.leader, phones) if t.leader_id else None,
           "member_count": t.member_count if members is None else len(members), "is_active": t.is_active}
    if members is not None:
        out["members"] = [{"volunteer": _ref(m.volunteer, phones), "joined_on": m.joined_on,
                           "is_leader": m.volunteer_id == t.leader_id} for m in members]
    return out


@router.get("/teams", response={200: TeamList, **VOL_ERRORS}, summary="志愿服务队（可见的，或本人带的；分页）")
@api_errors
def list_teams(request, filters: Query[AreaQuery]):
    user = request.user
    teams = selectors.team_list(user, area=_area_filter(user, filters.area))
    chunk = list(teams[filters.offset:filters.offset + filters.limit + 1])
    if not chunk and not selectors.sees_volunteers(user):
        refuse(seen=False)
    scope = scope_of(user)
    led = set(Team.objects.filter(led_teams_q(user), pk__in=[t.pk for t in chunk]).values_list("pk", flat=True))
    return page([_team_out(t, phones=scope.can(caps.VIEW, t.path) or t.pk in led) for t in chunk],
                filters.limit, filters.offset)


def _team_detail(user, pk: int) -> dict:
    team = access_team(user, pk=pk, queryset=Team.objects.select_related("area", "leader"))
    phones = scope_of(user).can(caps.VIEW, team.path) or leads_team(user, team)
    return _team_out(team, phones=phones, members=selectors.team_members(team))


@router.get("/teams/{int:team_id}", response={200: TeamDetailOut, **VOL_ERRORS}, summary="一支服务队及其队员")
@api_errors
def get_team(request, team_id: ObjectId):
    return 200, _team_detail(request.user, team_id)


class MemberIn(StrictIn):
    volunteer: StrictObjectId | None = Field(None, description="加入的志愿者；省略时为本人（本人须已注册）")


@router.post("/teams/{int:team_id}/members", response={201: TeamDetailOut, **VOL_ERRORS},
             summary="加入服务队（队长或管理人员添加队员；志愿者本人加入）")
@api_errors
def add_member(request, team_id: ObjectId, payload: MemberIn):
    user = request.user
    mine = selectors.volunteer_of(user)
    if payload.volunteer is None or (mine is not None and payload.volunteer == mine.pk):
        if mine is None:
            raise ValidationError({"volunteer": "您尚未注册为志愿者，请先注册"})
        team = Team.objects.filter(pk=team_id, is_active=True).first()
        if team is None:
            raise Http404
        volunteer = mine
    else:
        team = access_team(user, pk=team_id)
        require_team(user, team)
        volunteer = Volunteer.objects.filter(pk=payload.volunteer, path__startswith=team.path, is_active=True).first()
        if volunteer is None:
            raise ValidationError({"volunteer": f"编号 {payload.volunteer} 的志愿者不存在或未在{team.area.name}注册"})
    services.join_team(actor=Actor.from_request(request), team=team, volunteer=volunteer)
    if mine is not None and volunteer.pk == mine.pk and not selectors.sees_volunteers(user):
        team = Team.objects.select_related("area", "leader").get(pk=team.pk)
        return 201, _team_out(team, phones=leads_team(user, team), members=selectors.team_members(team))
    return 201, _team_detail(user, team.pk)


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
    teams: list[int]
    consent_at: datetime
    consent_version: str


class VolunteerList(Schema):
    items: list[VolunteerOut]
    next_offset: int | None


def _volunteer_out(v, teams: list[int]) -> dict:
    return {"id": v.pk, "name": v.name, "mobile": v.mobile, "area": _area(v.area), "skills": v.skills,
            "availability": v.availability, "confirmed_hours": v.hours_text, "confirmed_minutes": v.confirmed_minutes,
            "stars": v.stars, "teams": teams, "consent_at": v.consent_at.isoformat(),  # JSON-ready: once() stores it
            "consent_version": v.consent_version}


class VolunteerQuery(AreaQuery):
    team: ObjectId | None = None
    stars: int | None = Field(None, ge=0, le=5, description="星级 0–5")


@router.get("/volunteers", response={200: VolunteerList, **VOL_ERRORS}, summary="志愿者名册（分页）")
@api_errors
def list_volunteers(request, filters: Query[VolunteerQuery]):
    user = request.user
    _sees(user)
    team = access_team(user, pk=filters.team) if filters.team else None
    rows = selectors.people(user, area=_area_filter(user, filters.area), team=team, stars=filters.stars)
    chunk = list(rows[filters.offset:filters.offset + filters.limit + 1])
    return page([_volunteer_out(v, [m.team_id for m in v.current]) for v in chunk], filters.limit, filters.offset)


@router.get("/volunteers/me", response={200: VolunteerOut, **VOL_ERRORS}, summary="本人的志愿者信息")
@api_errors
def my_volunteer(request):
    mine = selectors.volunteer_of(request.user)
    if mine is None:
        return 404, {"detail": "您尚未注册为志愿者"}
    card = selectors.own_card(mine)
    return 200, _volunteer_out(mine, [t.pk for t in card.teams])


class RegisterIn(StrictIn):
    name: StrictStr = Field(min_length=1, max_length=50)
    area: StrictStr = Field(min_length=1, max_length=20, description="注册地（嘎查村、社区）的区划代码")
    consent: StrictBool = Field(description=f"同意志愿者注册须知（须为 true）：{services.CONSENT_TEXT}")
    mobile: StrictStr = Field("", max_length=11)
    skills: list[StrictStr] = Field(default_factory=list, max_length=10)
    availability: list[StrictStr] = Field(default_factory=list, max_length=21)


@router.post("/volunteers", response={201: VolunteerOut, **VOL_ERRORS},
             summary="本人注册志愿者（须同意注册须知；幂等，须带 Idempotency-Key）")
@api_errors
def register_volunteer(request, response: HttpResponse, payload: RegisterIn, idempotency_key: RequiredKey = None):
    user = request.user
    area = selectors.registrable_areas().filter(code=payload.area.strip()).first()
    if area is None:
        raise ValidationError({"area": f"区划代码“{payload.area}”不是嘎查村或社区"})
    actor = Actor.from_request(request)

    def work() -> dict:
        made = services.register_volunteer(actor=actor, name=payload.name, area=area, consent=payload.consent,
                                           mobile=payload.mobile.strip(), user=user, skills=payload.skills,
                                           availability=payload.availability)
        return _volunteer_out(Volunteer.objects.select_related("area").get(pk=made.pk), [])

    return once(request, response, key=idempotency_key, required=True, action=services.VOLUNTEER_REGISTER,
                body=payload.model_dump(mode="json"), work=work)


# ================================================================================================ activities, sign-ups, check-in/out, hours (section B)


# ================================================================================================ rotas (section C)

ROTA_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


class RotaOut(Schema):
    id: int
    title: str
    area: str
    place: str
    term_start: date
    term_end: date
    slots: list[str]
    start_time: time
    end_time: time
    group_min: int
    group_max: int
    subjects: list[str]
    status: str
    teams: int
    turns: int


class RotaList(Schema):
    items: list[RotaOut]
    next_offset: int | None


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
    team: str
    subject: str
    members: list[TurnMemberOut]
    activity_id: int | None


class RotaDetailOut(RotaOut):
    turns_list: list[TurnOut]


class RotasQuery(Schema):
    limit: Limit = 50
    offset: Offset = 0


def _rota(rota, *, teams: int, turns: int) -> dict:
    return {"id": rota.pk, "title": rota.title, "area": rota.area.name, "place": rota.place,
            "term_start": rota.term_start, "term_end": rota.term_end, "slots": rota.slots,
            "start_time": rota.start_time, "end_time": rota.end_time, "group_min": rota.group_min,
            "group_max": rota.group_max, "subjects": rota.subjects, "status": rota.status, "teams": teams,
            "turns": turns}


@router.get("/rotas", response={200: RotaList, **ROTA_ERRORS}, summary="排班表（所辖区域的和本人带队的，分页）")
@api_errors
def list_rotas(request, filters: Query[RotasQuery]):
    rows = list(selectors.rota_list(request.user)[filters.offset:filters.offset + filters.limit + 1])
    return page([_rota(r, teams=r.team_count, turns=r.turn_count) for r in rows], filters.limit, filters.offset)


@router.get("/rotas/{int:rota_id}", response={200: RotaDetailOut, **ROTA_ERRORS}, summary="一张排班表及其全部班次")
@api_errors
def get_rota(request, rota_id: ObjectId):
    rota = selectors.access_rota(request.user, pk=rota_id)
    turns = selectors.rota_turns(rota)
    body = _rota(rota, teams=len({t.team_id for t in turns}), turns=len(turns))
    body["turns_list"] = [
        {"id": t.pk, "week": t.week, "date": t.date, "slot": t.slot, "slot_label": SLOT_LABELS.get(t.slot, t.slot),
         "team_id": t.team_id, "team": t.team.name, "subject": t.subject,
         "members": [{"id": v.pk, "name": v.name} for v in t.members.all()], "activity_id": t.activity_id}
        for t in turns]
    return body



# ================================================================================================ hours → points (section D)
