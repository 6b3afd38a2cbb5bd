"""A grid's monthly statement in the API (/api/points/results/grids/…/statement/)."""


from django.utils import timezone
from ninja import Field, Query, Router, Schema

from grassroots.access.scope import access_area
from grassroots.api.common import (
    area_ref,
)
from grassroots.api.errors import api_errors
from grassroots.areas.models import Level
from grassroots.boards import selectors
from grassroots.points import capabilities as caps
from grassroots.points.api_common import READ_ERRORS, AreaCode, AreaRef, Month, Year, head_name

router = Router(tags=["积分结果"])



class MonthQuery(Schema):
    year: Year | None = Field(None, description="年度，默认今年")
    month: Month | None = Field(None, description="月份，默认本月")


class StatementRowOut(Schema):
    rank: int
    tied: bool = Field(description="与他户同分并列")
    household: int
    number: str
    head: str
    plus: int = Field(description="本月加分")
    minus: int = Field(description="本月扣分（负数）")
    total: int


class StatementOut(Schema):
    grid: AreaRef
    village: AreaRef
    year: int
    month: int
    rows: list[StatementRowOut]


@router.get("/grids/{code}/statement/", response={200: StatementOut, **READ_ERRORS},
            summary="网格月计分：各户本月加分、扣分、合计和排名")
@api_errors
def grid_statement(request, code: AreaCode, filters: Query[MonthQuery]):
    grid = access_area(request.user, code=code, capability=caps.VIEW, level=Level.GRID)
    today = timezone.localdate()
    year, month = filters.year or today.year, filters.month or today.month
    rows = selectors.monthly_statement(grid, year, month)
    return {"grid": area_ref(grid), "village": area_ref(grid.parent), "year": year, "month": month,
            "rows": [{"rank": r.rank, "tied": r.tied, "household": r.household.pk, "number": r.household.number,
                      "head": head_name(r.head), "plus": r.plus, "minus": r.minus, "total": r.total} for r in rows]}
