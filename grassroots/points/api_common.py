"""What the points apps' routers (catalogue, claims, ledger, settlement, boards) share: error maps, small
schemas and query types, the village a request names, a village's exchange rate. Access goes through access/scope.py."""

from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Field, Schema
from pydantic import StrictInt

from grassroots.access.models import User
from grassroots.access.scope import NOT_FOUND, access_area, access_household, scope_of
from grassroots.api.common import AreaRef  # noqa: F401 - the one AreaRef, re-exported to the points routers
from grassroots.api.errors import ErrorOut, ValidationErrorOut
from grassroots.areas.models import Area, Household, Level
from grassroots.points import capabilities as caps
from grassroots.rules.settlement import DEFAULT_POINTS_PER_YUAN
from grassroots.settlement.models import PointsPolicy

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

VillageCode = Annotated[str | None, Field(None, max_length=20, description="嘎查村社区或网格的区划代码")]
AreaCode = Annotated[str, Field(max_length=20)]
Year = Annotated[int, Field(ge=2000, le=2100, description="年度，如 2026")]
Month = Annotated[int, Field(ge=1, le=12, description="月份 1–12")]
Quarter = Annotated[int, Field(ge=1, le=4, description="季度 1–4")]
StrictYear = Annotated[StrictInt, Field(ge=2000, le=2100, description="年度，如 2026")]
StrictQuarter = Annotated[StrictInt, Field(ge=1, le=4, description="季度 1–4")]


class PersonRef(Schema):
    id: int
    name: str


def village_for(user, code: str | None) -> Area:
    """The village named by ``code`` (a grid's code names its village) or the caller's only village."""
    if code:
        area = access_area(user, code=code, capability=caps.VIEW, from_inside=True)
        if area.level == Level.GRID:
            area = area.parent
        if area.level != Level.VILLAGE:
            raise DjangoValidationError({"area_code": "area_code 须是嘎查村社区（或网格）的区划代码"})
        return area
    paths = scope_of(user).paths(caps.VIEW)
    villages = set()
    for area in Area.objects.select_related("parent").filter(path__in=[p for p in paths if p]):
        if area.level == Level.GRID:
            villages.add(area.parent)
        elif area.level == Level.VILLAGE:
            villages.add(area)
        else:
            villages.add(None)  # above village level: many villages
    if "" in paths or None in villages or len(villages) != 1:
        if not paths:
            raise Http404(NOT_FOUND)
        raise DjangoValidationError({"area_code": "您负责多个嘎查村社区，请用 area_code（区划代码）指明嘎查村社区"})
    return villages.pop()


def village_by_code(user, code: str) -> Area:
    """The village named by ``code``, when the caller holds points.view in it or in one of its grids."""
    return access_area(user, code=code, capability=caps.VIEW, level=Level.VILLAGE, from_inside=True)


def household_for(user, household_id: int) -> Household:
    """A household whose points the caller may see; 404 when missing or outside their areas alike."""
    return access_household(user, pk=household_id, capability=caps.VIEW,
                            queryset=Household.objects.select_related("village", "grid"))


def require_reaching(user, capability: str, path: str, message: str) -> None:
    """403 unless the caller holds ``capability`` within or above ``path`` (the object is already visible)."""
    if not scope_of(user).reaches(capability, path):
        raise PermissionDenied(message)


def with_areas(objects: list, *, recorders: bool = False, caller=None) -> list:
    """Attach ``village`` (and ``grid``, ``recorder`` when the objects have them) with one query each. The
    ``caller`` (``request.user``, loaded for this request) is not read again as a recorder: a grid worker
    listing what they recorded costs no recorder look-up."""
    ids = {o.village_id for o in objects} | {o.grid_id for o in objects if hasattr(o, "grid_id")}
    areas = Area.objects.in_bulk(ids) if ids else {}
    users = {}
    if recorders and objects:
        wanted = {o.recorder_id for o in objects}
        if caller is not None and caller.pk in wanted:
            users[caller.pk] = caller
        if wanted - users.keys():
            users.update(User.objects.in_bulk(wanted - users.keys()))
    for o in objects:
        o.village = areas[o.village_id]
        if hasattr(o, "grid_id"):
            o.grid = areas[o.grid_id]
        if recorders:
            o.recorder = users[o.recorder_id]
    return objects


def points_per_yuan(village_id: int) -> int:
    """The village's rate, read without creating a policy (a GET writes nothing)."""
    rate = PointsPolicy.objects.filter(village_id=village_id).values_list("points_per_yuan", flat=True).first()
    return rate or DEFAULT_POINTS_PER_YUAN


def head_name(head) -> str:
    return head.name if head is not None else ""
