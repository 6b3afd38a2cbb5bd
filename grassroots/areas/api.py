"""JSON API for the area tree and the register (户籍).

Thin routes: parse with strict schemas, call one selector or one service, render a schema.
Every read scopes through access.scope; something outside the caller's areas is 404, something
inside that they may only look at is 403. Creates carry an ``Idempotency-Key`` header (required:
a phone on a weak signal retries, DESIGN invariant 4) and are run through ``core.idempotency.run_once``.

What a caller sees of a person depends on what they hold on that person's area:
ID numbers are always masked; the full mobile is shown only to those who may edit the register
(``residents.edit``); sensitive tags (低保, 大病 …) only to holders of ``residents.view_sensitive``.
"""

import functools
import hashlib
import json
import logging
from datetime import date
from typing import Annotated, Literal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpResponse, JsonResponse
from ninja import Field, Header, Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import BeforeValidator, ConfigDict, StrictBool, StrictStr, ValidationInfo, field_validator

from grassroots.access.scope import Scope, require, scope_of
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
from grassroots.core.idempotency import IdempotencyConflict, run_once
from grassroots.rules.roles import EDIT_RESIDENTS, VIEW_SENSITIVE

logger = logging.getLogger(__name__)

router = Router(tags=["区划与户籍"])

MAX_LIMIT = 200
IDEMPOTENCY_HEADER = "Idempotency-Key"


# ---------------------------------------------------------------------------------------------
# Errors: the same JSON shape everywhere, Chinese text.
#   {"detail": "..."}                                  401 / 403 / 404 / 409
#   {"detail": "...", "errors": {"field": ["..."]}}    422
# ---------------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]]


def error_response(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> JsonResponse:
    body: dict = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def field_errors_response(errors: dict[str, list[str]], *, name_fields: bool = False) -> JsonResponse:
    """422 with the messages per field; ``detail`` repeats them in one line (prefixed by the field if asked)."""
    lines = (f"{field}：{m}" if name_fields and field != NON_FIELD_ERRORS else m
             for field, messages in errors.items() for m in messages)
    return error_response(422, "；".join(dict.fromkeys(lines)) or "提交的数据有误", errors)


def django_validation_response(exc: DjangoValidationError) -> JsonResponse:
    """A service's ValidationError as 422, one list of messages per field (``__all__`` for the rest)."""
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
    return field_errors_response(errors)


def api_errors(view):
    """Translate what selectors and services raise into the API's JSON errors.

    Http404 (missing or outside the caller's areas, alike) → 404; PermissionDenied → 403;
    ValidationError → 422 naming the fields; a reused idempotency key → 422; a lost race on a
    unique constraint → 409. Apply it below the ``@router.<method>`` decorator.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "未找到")
        except PermissionDenied as e:
            return error_response(403, str(e) or "您没有执行此操作的权限")
        except DjangoValidationError as e:
            return django_validation_response(e)
        except IdempotencyConflict as e:
            return field_errors_response({IDEMPOTENCY_HEADER: [str(e)]})
        except IntegrityError:
            logger.warning("integrity error in %s", view.__name__, exc_info=True)
            return error_response(409, "数据与已有记录冲突，请刷新后重试")

    return wrapper


# Schema (request-parsing) errors are raised by Ninja before a route runs, so only a handler on
# the api object can reach them. These two are meant to be registered in grassroots/api/api.py:
#     api.add_exception_handler(NinjaValidationError, schema_error_handler)
#     api.add_exception_handler(AuthenticationError, unauthenticated_handler)

_SCHEMA_MESSAGES = {
    "missing": "此项必填",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "bool_type": "应为布尔值（true 或 false）",
    "bool_parsing": "应为布尔值（true 或 false）",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "请求体应为 JSON 对象",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "enum": "取值无效",
    "literal_error": "取值无效",
    "extra_forbidden": "不支持此字段",
    "json_invalid": "请求体不是合法的 JSON",
    "string_too_long": "内容过长",
    "string_too_short": "内容过短",
    "too_long": "项数过多",
    "less_than_equal": "数值过大",
    "greater_than_equal": "数值过小",
}
_LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "filters"}


def schema_errors(errors: list[dict]) -> dict[str, list[str]]:
    """Ninja's list of pydantic errors as {field: [Chinese message]}."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        while len(loc) > 1 and loc[0] in _LOCATION_PREFIXES:
            loc = loc[1:]
        # Name the field itself ("tags"), not the item within it ("tags.0").
        field = loc[0] if loc and loc[0] not in _LOCATION_PREFIXES else NON_FIELD_ERRORS
        kind = error.get("type", "")
        message = _SCHEMA_MESSAGES.get(kind)
        if message is None:
            message = str(error.get("msg", "取值无效")).removeprefix("Value error, ")
        ctx = error.get("ctx") or {}
        if kind == "string_too_long" and "max_length" in ctx:
            message = f"最多 {ctx['max_length']} 个字符"
        elif kind == "too_long" and "max_length" in ctx:
            message = f"最多 {ctx['max_length']} 项"
        elif kind == "less_than_equal" and "le" in ctx:
            message = f"不能大于 {ctx['le']}"
        elif kind == "greater_than_equal" and "ge" in ctx:
            message = f"不能小于 {ctx['ge']}"
        out.setdefault(field, []).append(message)
    return out


def schema_error_handler(request, exc: NinjaValidationError) -> HttpResponse:
    return field_errors_response(schema_errors(exc.errors), name_fields=True)


def unauthenticated_handler(request, exc) -> HttpResponse:
    return error_response(401, "请先登录")


def http_error_handler(request, exc) -> HttpResponse:
    """Ninja's own refusals before a route runs; the one a client meets is a body that is not JSON."""
    if exc.status_code == 400:
        return error_response(400, "请求内容不是合法的 JSON")
    return error_response(exc.status_code, str(exc))


# ---------------------------------------------------------------------------------------------
# Strict input types: a boolean is not a number, a number is not a string, 123 is not a date.
# ---------------------------------------------------------------------------------------------


def _iso_date_only(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("应为日期字符串（YYYY-MM-DD）")
    return value


StrictDate = Annotated[date, BeforeValidator(_iso_date_only)]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid")


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


class AreaRef(Schema):
    code: str
    name: str


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
# Idempotent creates
# ---------------------------------------------------------------------------------------------

IdempotencyKeyHeader = Annotated[
    str, Header(alias=IDEMPOTENCY_HEADER, min_length=1, max_length=100,
                description="客户端生成的唯一键；同一键重复提交只创建一次，并返回首次的结果")
]


def _fingerprint(request, payload: Schema) -> str:
    raw = json.dumps({"path": request.path, "body": payload.model_dump(mode="json")}, sort_keys=True,
                     ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def _create_once(request, response: HttpResponse, *, key: str, action: str, payload: Schema, work):
    """Run ``work`` (returning a JSON-ready body) once per (caller, key); replay status and body.

    The stored result carries a fingerprint of the request, so a key reused for a different
    request is refused rather than silently answered with the first one's result.
    """
    fingerprint = _fingerprint(request, payload)

    def first_time() -> dict:
        return {"status": 201, "body": work(), "fingerprint": fingerprint}

    result, replayed = run_once(user=request.user, key=key, action=action, work=first_time)
    if replayed:
        if result.get("fingerprint") != fingerprint:
            raise IdempotencyConflict("该幂等键已用于内容不同的请求，请为新请求生成新的键")
        response["Idempotent-Replayed"] = "true"
    return result["status"], result["body"]


# ---------------------------------------------------------------------------------------------
# Areas
# ---------------------------------------------------------------------------------------------


@router.get("/areas/", response={200: list[AreaOut], 401: ErrorOut}, summary="我的辖区（最外层）")
@api_errors
def list_root_areas(request):
    return list(root_areas(request.user)[:MAX_LIMIT])


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
    area: str | None = Field(None, max_length=20, description="只在此区划代码之内查找")
    limit: Limit = 50


@router.get("/households/", response={200: list[HouseholdBrief], 401: ErrorOut, 404: ErrorOut,
                                      422: ValidationErrorOut}, summary="查找户")
@api_errors
def list_households(request, filters: Query[SearchQuery]):
    within = area_for(request.user, filters.area) if filters.area else None
    return list(search_households(request.user, filters.q, within=within, limit=filters.limit))


@router.get("/households/{int:household_id}/", response={200: HouseholdOut, 401: ErrorOut, 404: ErrorOut},
            summary="户详情（含成员）")
@api_errors
def get_household(request, household_id: ObjectId):
    household = household_detail(request.user, household_id)
    return _present_household(household, scope_of(request.user))


class HouseholdIn(StrictIn):
    grid: StrictStr = Field(max_length=20, description="网格区划代码")
    number: StrictStr = Field(max_length=40, description="户号，在本村唯一")
    address: StrictStr = Field("", max_length=200)


def _grid_for(user, code: str) -> Area:
    """The grid named in a request body; unknown and outside-the-caller's-areas look the same (422)."""
    try:
        grid = area_for(user, code)
    except Http404:
        raise DjangoValidationError({"grid": "未找到该网格"}) from None
    if grid.level != Level.GRID:
        raise DjangoValidationError({"grid": "户必须属于一个网格，请选择网格"})
    return grid


@router.post("/households/", response={201: HouseholdOut, 401: ErrorOut, 403: ErrorOut,
                                       422: ValidationErrorOut}, summary="新建户（幂等）")
@api_errors
def create_household(request, response: HttpResponse, payload: HouseholdIn,
                     idempotency_key: IdempotencyKeyHeader):
    grid = _grid_for(request.user, payload.grid)
    require(request.user, EDIT_RESIDENTS, grid.path)

    def work() -> dict:
        household = services.create_household(actor=Actor.from_request(request), grid=grid,
                                              number=payload.number, address=payload.address)
        household.member_list = []
        return HouseholdOut.model_validate(_present_household(household, scope_of(request.user))).model_dump(
            mode="json")

    return _create_once(request, response, key=idempotency_key, action="household.create", payload=payload,
                        work=work)


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
             response={201: PersonOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
             summary="添加户成员（幂等）")
@api_errors
def add_member(request, response: HttpResponse, household_id: ObjectId, payload: PersonIn,
               idempotency_key: IdempotencyKeyHeader):
    household = household_detail(request.user, household_id)
    require(request.user, EDIT_RESIDENTS, household.path)

    def work() -> dict:
        person = services.add_person(
            actor=Actor.from_request(request), household=household, name=payload.name, gender=payload.gender,
            birth_date=payload.birth_date, relation=payload.relation.value, id_number=payload.id_number,
            mobile=payload.mobile, ethnicity=payload.ethnicity, party_status=payload.party_status.value,
            is_mobile_member=payload.is_mobile_member, tag_codes=payload.tags, mongolian_name=payload.mongolian_name,
        )
        return PersonOut.model_validate(_present_person(person, scope_of(request.user))).model_dump(mode="json")

    return _create_once(request, response, key=idempotency_key, action="person.create", payload=payload, work=work)


# ---------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------


@router.get("/persons/", response={200: list[PersonBrief], 401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
            summary="查找人员")
@api_errors
def list_persons(request, filters: Query[SearchQuery]):
    within = area_for(request.user, filters.area) if filters.area else None
    scope = scope_of(request.user)
    return [_present_person_brief(p, scope)
            for p in search_people(request.user, filters.q, within=within, limit=filters.limit)]


class PersonPatch(StrictIn):
    mobile: StrictStr | None = Field(None, max_length=20)
    tags: list[StrictStr] | None = Field(None, max_length=30, description="标签代码，整体替换")
    party_status: Person.PartyStatus | None = None
    is_mobile_member: StrictBool | None = None


@router.patch("/persons/{int:person_id}/",
              response={200: PersonOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut},
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
