"""A grid's monthly statement and a village's ranking board in the API (/api/points/results/…)."""


from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from grassroots.access.scope import access_area, access_village, scope_of
from grassroots.api.common import Cursor, Limit, Page, area_ref, page, position_of
from grassroots.api.errors import api_errors
from grassroots.areas.models import Level
from grassroots.boards import selectors
from grassroots.points import capabilities as caps
from grassroots.points.api_common import READ_ERRORS, AreaCode, AreaRef, Month, Year, head_name
from grassroots.settlement import selectors as settlement_selectors

router = Router(tags=["积分结果"])



class MonthQuery(Schema):
    year: Year | None = Field(None, description="年度，默认今年")
    month: Month | None = Field(None, description="月份，默认本月")


class StatementRowOut(Schema):
    rank: int
    tied: bool = Field(description="与他户同分并列")
    household_id: int
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
            "rows": [{"rank": r.rank, "tied": r.tied, "household_id": r.household.pk, "number": r.household.number,
                      "head": head_name(r.head), "plus": r.plus, "minus": r.minus, "total": r.total} for r in rows]}


class RankingQuery(Schema):
    year: Year | None = Field(None, description="年度，默认今年")
    limit: Limit = 50
    cursor: Cursor = None


class RankingRowOut(Schema):
    village_rank: int
    tied: bool = Field(description="与本村他户同分并列")
    township_rank: int = Field(description="在苏木乡镇内的排名")
    household_id: int
    number: str
    head: str
    score: int = Field(description="年度积分")
    stars: int = Field(description="星级文明户星级，0为无")
    honours: list[str]
    vetoed: bool = Field(description="本年度有否决项目")
    credit_band: str = Field(description="信用等级：优秀、良好、一般、较差")


@router.get("/villages/{code}/ranking/", response={200: Page(RankingRowOut), **READ_ERRORS},
            summary="村的积分排行榜：各户年度积分、村内与苏木乡镇排名、星级、荣誉（网格员只见本网格的户）")
@api_errors
def village_ranking(request, code: AreaCode, filters: Query[RankingQuery]):
    """The ranking page's rows, best first, the same rows a caller sees there."""
    village = access_village(request.user, code=code, capability=caps.VIEW, from_inside=True)
    today = timezone.localdate()
    year = filters.year or today.year
    if year > today.year:
        raise DjangoValidationError({"year": f"年度（year）不能晚于今年（{today.year}）"})
    scope = scope_of(request.user)
    rows = [r for r in settlement_selectors.annual_summary(village, year) if scope.can(caps.VIEW, r.household.path)]
    position = position_of(filters.cursor)
    return page([{"village_rank": r.village_rank, "tied": r.tied, "township_rank": r.township_rank,
                  "household_id": r.household.pk, "number": r.household.number, "head": head_name(r.head),
                  "score": r.score, "stars": r.stars, "honours": r.honours, "vetoed": r.vetoed,
                  "credit_band": r.credit_band} for r in rows[position:position + filters.limit + 1]],
                filters.limit, position)
