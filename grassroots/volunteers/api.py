"""The volunteer service's JSON API (mounted at /api/volunteers): sites, teams, volunteers, activities, sign-ups
(idempotent), check-in and check-out, hours. Same conventions as the other routers (docs/conventions.md)."""

from datetime import date, time

from ninja import Query, Router, Schema

from grassroots.api.common import Limit, Offset, page
from grassroots.api.errors import ErrorOut, ValidationErrorOut, api_errors
from grassroots.api.ids import ObjectId
from grassroots.rules.volunteering import SLOT_LABELS
from grassroots.volunteers import selectors

router = Router(tags=["志愿服务"])


# ================================================================================================ sites, teams, volunteers (section A)


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
