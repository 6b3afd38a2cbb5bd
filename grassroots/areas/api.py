"""JSON API for the area tree and the register (户籍).

Thin routes: parse with strict schemas, call one selector or one service, render a schema.
Every read scopes through access.scope; something outside the caller's areas is 404, something
inside that they may only look at is 403. Creates carry an ``Idempotency-Key`` header (required:
a phone on a weak signal retries, DESIGN invariant 4) and are run through ``api.common.once`` (the one
idempotency mechanism, core/idempotency.py). Lists answer the one paging envelope
``{"items": [...], "next_cursor": str | null}`` (docs/api.md). A duplicate (a household number taken in
the village, an ID number already registered, a second head) is a ``Refusal`` of areas.services: 409. The error classes and ``StrictIn`` live in api/errors.py.

What a caller sees of a person depends on what they hold on that person's area:
ID numbers are always masked; the full mobile is shown only to those who may edit the register
(``residents.edit``); sensitive tags (低保, 大病 …) only to holders of ``residents.view_sensitive``.
"""

from datetime import date
from typing import Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictStr, ValidationInfo, field_validator

from grassroots.access.scope import Scope, require, scope_of
from grassroots.api.common import (
    MAX_LIMIT,
    AreaRef,
    Cursor,
    Limit,
    Page,
    RequiredKey,
    once,
    page,
    position_of,
)
from grassroots.api.errors import (
    ErrorOut,
    StrictDate,
    StrictIn,
    api_errors,
)
from grassroots.api.ids import ObjectId
from grassroots.areas import services
from grassroots.areas.models import Area, Household, Level, Person
from grassroots.areas.selectors import (
    area_for,
    children_with_counts,
    household_detail,
    person_detail,
    root_areas,
    search_households,
    search_people,
)
from grassroots.audit.context import Actor
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_SENSITIVE

router = Router(tags=["区划与户籍"])

# ---------------------------------------------------------------------------------------------
# Output schemas
# ---------------------------------------------------------------------------------------------


class AreaOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    household_count: int | None = None

    @staticmethod
    def resolve_level_label(obj) -> str:
        return obj.get_level_display()


class AreaDetailOut(Schema):
    area: AreaOut
    children: list[AreaOut]
    children_total: int


class TagOut(Schema):
    code: str
    name: str
    kind: str


class PersonOut(Schema):
    id: int
    household_id: int | None
    name: str
    gender: str
    gender_label: str
    birth_date: date | None
    relation: str
    relation_label: str
    ethnicity: str
    id_number_masked: str
    mobile: str
    party_status: str
    party_status_label: str
    is_mobile_member: bool
    tags: list[TagOut]


class PersonBrief(Schema):
    id: int
    household_id: int | None
    household_number: str | None
    name: str
    gender: str
    relation_label: str
    id_number_masked: str
    mobile: str


class HouseholdBrief(Schema):
    id: int
    number: str
    address: str
    grid: AreaRef
    village: AreaRef
    head_name: str
    member_count: int

    @staticmethod
    def resolve_head_name(obj) -> str:
        head = obj.head
        return head.name if head else ""

    @staticmethod
    def resolve_member_count(obj) -> int:
        return len(obj.members.all())


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    is_active: bool
    grid: AreaRef
    village: AreaRef
    members: list[PersonOut]


def _present_person(person: Person, scope: Scope) -> dict:
    """One person as this caller may see them: ID masked always, mobile and sensitive tags by capability."""
    full_mobile = scope.can(EDIT_RESIDENTS, person.path)
    sensitive = scope.can(VIEW_SENSITIVE, person.path)
    return {
        "id": person.id,
        "household_id": person.household_id,
        "name": person.name,
        "gender": person.gender,
        "gender_label": person.get_gender_display(),
        "birth_date": person.birth_date,
        "relation": person.relation,
        "relation_label": person.get_relation_display(),
        "ethnicity": person.ethnicity,
        "id_number_masked": person.id_number_masked,
        "mobile": person.mobile if full_mobile else person.masked_mobile,
        "party_status": person.party_status,
        "party_status_label": person.get_party_status_display(),
        "is_mobile_member": person.is_mobile_member,
        "tags": [
            {"code": t.code, "name": t.name, "kind": t.kind}
            for t in person.tags.all()
            if sensitive or not t.sensitive
        ],
    }


def _present_person_brief(person: Person, scope: Scope) -> dict:
    return {
        "id": person.id,
        "household_id": person.household_id,
        "household_number": person.household.number if person.household_id else None,
        "name": person.name,
        "gender": person.gender,
        "relation_label": person.get_relation_display(),
        "id_number_masked": person.id_number_masked,
        "mobile": person.mobile if scope.can(EDIT_RESIDENTS, person.path) else person.masked_mobile,
    }


def _present_household(household: Household, scope: Scope) -> dict:
    return {
        "id": household.id,
        "number": household.number,
        "address": household.address,
        "is_active": household.is_active,
        "grid": {"code": household.grid.code, "name": household.grid.name},
        "village": {"code": household.village.code, "name": household.village.name},
        "members": [_present_person(p, scope) for p in getattr(household, "member_list", [])],
    }


# ---------------------------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------------------------


@router.get("/areas/", response={200: Page(AreaOut), 401: ErrorOut, 422: ErrorOut},
            summary="我的辖区（最外层）")
@api_errors
def list_root_areas(request, limit: Limit = MAX_LIMIT, cursor: Cursor = None):
    position = position_of(cursor)
    return page(list(root_areas(request.user)[position:position + limit + 1]), limit, position)


@router.get("/areas/{code}/", response={200: AreaDetailOut, 401: ErrorOut, 404: ErrorOut},
            summary="区划及其下级")
@api_errors
def get_area(request, code: str):
    area = area_for(request.user, code)
    children = children_with_counts(request.user, area)
    return {"area": area, "children": list(children[:MAX_LIMIT]), "children_total": children.count()}


# ---------------------------------------------------------------------------------------------
# Households
# ---------------------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: str = Field("", max_length=50, description="户号、姓名、拼音全拼或首字母")
    area_code: str | None = Field(None, max_length=20, description="只在此区划代码之内查找")
    limit: Limit = 50
    cursor: Cursor = None


@router.get("/households/", response={200: Page(HouseholdBrief), 401: ErrorOut, 404: ErrorOut,
                                      422: ErrorOut}, summary="查找户")
@api_errors
def list_households(request, filters: Query[SearchQuery]):
    within = area_for(request.user, filters.area_code) if filters.area_code else None
    limit, position = filters.limit, position_of(filters.cursor)
    found = search_households(request.user, filters.q, within=within, limit=position + limit + 1)
    return page(list(found[position:]), limit, position)


@router.get("/households/{int:household_id}/", response={200: HouseholdOut, 401: ErrorOut, 404: ErrorOut},
            summary="户详情（含成员）")
@api_errors
def get_household(request, household_id: ObjectId):
    household = household_detail(request.user, household_id)
    return _present_household(household, scope_of(request.user))


class HouseholdIn(StrictIn):
    area_code: StrictStr = Field(max_length=20, description="户所属网格的区划代码")
    number: StrictStr = Field(max_length=40, description="户号，在本村唯一")
    address: StrictStr = Field("", max_length=200)


def _grid_for(user, code: str) -> Area:
    """The grid named in a request body; unknown and outside-the-caller's-areas look the same (422)."""
    try:
        grid = area_for(user, code)
    except Http404:
        raise DjangoValidationError({"area_code": "未找到该网格：area_code 须是您所辖网格的区划代码"}) from None
    if grid.level != Level.GRID:
        raise DjangoValidationError({"area_code": "户必须属于一个网格：area_code 须是网格的区划代码"})
    return grid


@router.post("/households/", response={201: HouseholdOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut,
                                       422: ErrorOut}, summary="新建户（幂等）")
@api_errors
def create_household(request, response: HttpResponse, payload: HouseholdIn,
                     idempotency_key: RequiredKey = None):
    grid = _grid_for(request.user, payload.area_code)
    require(request.user, EDIT_RESIDENTS, grid.path)

    def work() -> dict:
        household = services.create_household(actor=Actor.from_request(request), grid=grid,
                                              number=payload.number, address=payload.address)
        household.member_list = []
        return HouseholdOut.model_validate(_present_household(household, scope_of(request.user))).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="household.create",
                body=payload.model_dump(mode="json"), work=work)


class PersonIn(StrictIn):
    name: StrictStr = Field(max_length=50)
    gender: Literal["M", "F", ""] = Field("", description="M 男 / F 女；有身份证号时可不填")
    birth_date: StrictDate | None = None
    relation: Person.Relation = Person.Relation.OTHER
    id_number: StrictStr = Field("", max_length=30)
    mobile: StrictStr = Field("", max_length=20)
    ethnicity: StrictStr = Field("", max_length=20)
    party_status: Person.PartyStatus = Person.PartyStatus.NONE
    is_mobile_member: StrictBool = False
    tags: list[StrictStr] = Field(default_factory=list, max_length=30, description="标签代码")
    mongolian_name: StrictBool = Field(False, description="蒙古族姓名（无姓氏），影响拼音首字母")

    @field_validator("is_mobile_member")
    @classmethod
    def _mobile_member_is_party_member(cls, value: bool, info: ValidationInfo) -> bool:
        if value and not info.data.get("party_status"):
            raise ValueError("流动党员须为党员")
        return value


@router.post("/households/{int:household_id}/members/",
             response={201: PersonOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             summary="添加户成员（幂等）")
@api_errors
def add_member(request, response: HttpResponse, household_id: ObjectId, payload: PersonIn,
               idempotency_key: RequiredKey = None):
    household = household_detail(request.user, household_id)
    require(request.user, EDIT_RESIDENTS, household.path)

    def work() -> dict:
        person = services.add_person(
            actor=Actor.from_request(request), household=household, name=payload.name, gender=payload.gender,
            birth_date=payload.birth_date, relation=payload.relation.value, id_number=payload.id_number,
            mobile=payload.mobile, ethnicity=payload.ethnicity, party_status=payload.party_status.value,
            is_mobile_member=payload.is_mobile_member, tag_codes=payload.tags, mongolian_name=payload.mongolian_name,
        )
        return PersonOut.model_validate(_present_person(person, scope_of(request.user))).model_dump()

    return once(request, response, key=idempotency_key, required=True, action="person.create",
                body=payload.model_dump(mode="json"), work=work)


# ---------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------


@router.get("/persons/", response={200: Page(PersonBrief), 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            summary="查找人员")
@api_errors
def list_persons(request, filters: Query[SearchQuery]):
    within = area_for(request.user, filters.area_code) if filters.area_code else None
    scope = scope_of(request.user)
    limit, position = filters.limit, position_of(filters.cursor)
    found = search_people(request.user, filters.q, within=within, limit=position + limit + 1)
    return page([_present_person_brief(p, scope) for p in found[position:]], limit, position)


class PersonPatch(StrictIn):
    mobile: StrictStr | None = Field(None, max_length=20)
    tags: list[StrictStr] | None = Field(None, max_length=30, description="标签代码，整体替换")
    party_status: Person.PartyStatus | None = None
    is_mobile_member: StrictBool | None = None


@router.patch("/persons/{int:person_id}/",
              response={200: PersonOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
              summary="修改人员（手机号、标签、政治面貌）")
@api_errors
def update_person(request, person_id: ObjectId, payload: PersonPatch):
    person = person_detail(request.user, person_id)
    require(request.user, EDIT_RESIDENTS, person.path)
    changes = payload.model_dump(exclude_none=True)
    if not changes:
        raise DjangoValidationError("没有要修改的内容")
    person = services.update_person(
        actor=Actor.from_request(request), person=person, mobile=payload.mobile, tag_codes=payload.tags,
        party_status=payload.party_status.value if payload.party_status is not None else None,
        is_mobile_member=payload.is_mobile_member,
    )
    return _present_person(person, scope_of(request.user))
