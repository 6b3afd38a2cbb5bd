"""Reads of settlement: the village's policy, settlement lines, the annual summary, whether a household may
redeem, unspent credit."""

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import QuerySet, Sum
from django.http import Http404

from grassroots.access.scope import access_object, visible
from grassroots.areas.models import Area, Household, Person
from grassroots.catalogue.models import RuleVersion
from grassroots.ledger.models import (
    Account,
    HouseholdMonth,
    LedgerEntry,
)
from grassroots.ledger.selectors import balance, household_heads, score_between
from grassroots.points import capabilities as caps
from grassroots.rules.settlement import (
    Ranked,
    competition_ranks,
    credit_band,
    fen_for,
    honours,
    quarter_bounds,
    quarter_label,
    stars_for,
)
from grassroots.settlement.models import (
    PointsPolicy,
    Settlement,
    SettlementLine,
    SettlementStatus,
    VetoScope,
)


@dataclass
class AnnualRow:
    household: Household
    head: Person | None
    score: int
    vetoed: bool
    village_rank: int
    township_rank: int
    tied: bool
    stars: int
    honours: list[str]
    credit_band: str


def _year_scores(path: str, year: int) -> dict[int, tuple[int, bool]]:
    """(score, vetoed) of every household under ``path`` that has score entries in ``year``: the sums of its
    months in the household-month roll-up (``ledger.HouseholdMonth``, kept with every ledger write), not of its
    entries. A veto counts net of its reversals, as in the entries."""
    rows = (HouseholdMonth.objects.filter(path__startswith=path, month__range=(date(year, 1, 1), date(year, 12, 1)))
            .values("household_id").annotate(score=Sum("score"), vetoes=Sum("vetoes"), n=Sum("score_entries"))
            .filter(n__gt=0).values_list("household_id", "score", "vetoes"))
    return {hh: (score, vetoes > 0) for hh, score, vetoes in rows}


def _township_of(village: Area) -> Area | None:
    return village.parent if village.parent_id else None


def annual_summary(village: Area, year: int) -> list[AnnualRow]:
    """年总结 for a village: every household's score for the year, its rank in the village and the
    township, its stars, honours and credit band by the village's policy. Ties share a rank.

    A veto in the year excludes a household from honours and rates it 较差.
    """

    policy = policy_for(village)
    households = list(Household.objects.filter(village=village, is_active=True).order_by("number"))
    heads = household_heads([h.pk for h in households])
    scores = _year_scores(village.path, year)
    township = _township_of(village)
    # Negated and ascending, so bisect counts the township's households with a higher score.
    township_scores = sorted(-s for s, _ in _year_scores(township.path, year).values()) if township else []
    township_quiet = (Household.objects.filter(path__startswith=township.path, is_active=True).count()
                      - len(township_scores)) if township else 0
    rows = [(h, *scores.get(h.pk, (0, False))) for h in households]
    rows.sort(key=lambda r: (-r[1], r[0].number))
    ranks = competition_ranks([score for _, score, _ in rows])
    counts = Counter(ranks)
    won = honours([Ranked(h.pk, score, vetoed) for h, score, vetoed in rows], policy.honours)
    result = []
    for (household, score, vetoed), rank in zip(rows, ranks, strict=True):
        higher = bisect_left(township_scores, -score) + (township_quiet if score < 0 else 0)
        result.append(AnnualRow(
            household=household, head=heads.get(household.pk), score=score, vetoed=vetoed, village_rank=rank,
            township_rank=higher + 1, tied=counts[rank] > 1,
            stars=0 if vetoed else stars_for(score, policy.star_bands), honours=won.get(household.pk, []),
            credit_band=credit_band(score, vetoed=vetoed, bands=policy.credit_bands)))
    return result


def recommendations(summary: list[AnnualRow]) -> list[AnnualRow]:
    """同等条件下优先推荐: households without a veto, best score first; equal scores stay tied."""
    return [row for row in summary if not row.vetoed]


def annual_row(household: Household, year: int) -> dict:
    """One household's year: what a credit look-up returns."""

    village = household.village
    policy = policy_for(village)
    score, vetoed = _year_scores(household.path, year).get(household.pk, (0, False))
    return {"household": household, "year": year, "score": score, "vetoed": vetoed,
            "stars": 0 if vetoed else stars_for(score, policy.star_bands),
            "credit_band": credit_band(score, vetoed=vetoed, bands=policy.credit_bands)}


@dataclass(frozen=True)
class Standing:
    may_redeem: bool
    reason: str
    credit: int
    settlement: Settlement | None


def redemption_allowed(*, credit: int, vetoed: bool | None) -> bool:
    """What ``redemption_standing`` decides when it lets a household redeem, from values read elsewhere: a
    redeemable balance and no veto in the village's latest published settlement (``vetoed``: its line's
    flag, None without a line). The counter reads both with its stock in one statement after its locks
    (``shop.selectors.sale_facts``); False means ask ``redemption_standing`` why not."""
    return credit > 0 and not vetoed


def redemption_standing(household: Household, today: date) -> Standing:
    """May the household redeem at the love supermarket now, and if not, why (in Chinese)?

    It may when it has a redeemable balance and the village's latest published settlement does not
    bar it for a veto.
    """
    credit = balance(household).credit
    latest = (Settlement.objects.filter(village_id=household.village_id, status=SettlementStatus.PUBLISHED)
              .order_by("-year", "-quarter").first())
    line = latest.lines.filter(household=household).first() if latest else None
    if line is not None and line.vetoed:
        return Standing(False, f"{quarter_label(latest.year, latest.quarter)}有否决项目，本季度不能兑换", credit, latest)
    if credit > 0:
        return Standing(True, "", credit, latest)
    if latest is None:
        return Standing(False, "本村尚未公布季度评议结果，暂不能兑换", credit, None)
    if line is None:
        start, end = quarter_bounds(latest.year, latest.quarter)
        points = score_between([household.pk], start, end)[household.pk]
        return Standing(False, f"{quarter_label(latest.year, latest.quarter)}积分{points}分，"
                               f"未达到{latest.threshold}分，不能兑换", credit, latest)
    return Standing(False, "可兑换积分已用完", credit, latest)


def settlement_for(user, pk: int) -> Settlement:
    return access_object(user, Settlement.objects.select_related("village", "published_by", "supersedes"), pk=pk)


def settlements_for(user, *, within: Area | None = None, status: str = "", limit: int = 100) -> QuerySet[Settlement]:
    """The settlements the caller can see; ``within``: of that area's villages only; ``status``: in that state."""
    rows = visible(user, Settlement.objects.select_related("village"), caps.VIEW)
    if within is not None:
        rows = rows.filter(path__startswith=within.path)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-year", "-quarter", "village_id", "-revision")[:limit]


def settlement_lines(settlement: Settlement) -> list[SettlementLine]:
    """The lines, best first, each with ``.head`` and ``.fen``: a published settlement's as written, a
    draft's as its slice of the ledger gives them."""
    if settlement.status == SettlementStatus.DRAFT:

        rows = draft_lines(settlement)
        households = Household.objects.in_bulk([row[0] for row in rows])
        lines = [SettlementLine(settlement=settlement, household=households[hh], path=path, points=points,
                                vetoed=vetoed, eligible=eligible, credit=credit)
                 for hh, path, points, vetoed, eligible, credit in rows]
        lines.sort(key=lambda line: (not line.eligible, -line.points, line.household.number))
    else:
        lines = list(settlement.lines.select_related("household")
                     .order_by("-eligible", "-points", "household__number"))
    heads = household_heads([line.household_id for line in lines])
    for line in lines:
        line.head = heads.get(line.household_id)
        line.fen = fen_for(line.credit, settlement.points_per_yuan)
    return lines


def households_below_threshold(settlement: Settlement, lines: list[SettlementLine]) -> int:
    """Households with entries in the quarter that reached neither the threshold nor a veto: they have
    no line, and the settlement page says how many there are."""
    start, end = quarter_bounds(settlement.year, settlement.quarter)
    with_entries = set(LedgerEntry.objects.filter(village_id=settlement.village_id, account=Account.SCORE,
                                                  occurred_on__range=(start, end), seq__lte=settlement.ledger_seq)
                       .values_list("household_id", flat=True).distinct())
    return len(with_entries - {line.household_id for line in lines})


def unspent_credit(village: Area) -> dict[int, int]:
    """{household id: redeemable points} of the village's households with credit left: what a lapse clears."""

    return dict(LedgerEntry.objects.filter(village=village, account=Account.CREDIT).values("household_id")
                .annotate(balance=Sum("points")).filter(balance__gt=0).order_by("household_id")
                .values_list("household_id", "balance"))


def public_settlement(token: str) -> Settlement:
    settlement = Settlement.objects.select_related("village").filter(
        token=token, status__in=[SettlementStatus.PUBLISHED, SettlementStatus.SUPERSEDED]).first()
    if settlement is None:
        raise Http404("未找到")
    return settlement


def policy_for(village: Area) -> PointsPolicy:
    """The village's policy; the defaults (unsaved) until its assembly first changes them. A read writes nothing."""
    return PointsPolicy.objects.filter(village=village).first() or PointsPolicy(village=village)


def draft_lines(settlement: Settlement) -> list[tuple]:
    """A draft's lines as the ledger up to its ``ledger_seq`` gives them (nothing is stored until publication)."""
    sql, params = lines_sql(year=settlement.year, quarter=settlement.quarter, settlement_ids=[settlement.pk],
                             year_window=settlement.veto_scope == VetoScope.YEAR, village_id=settlement.village_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(hh, path, int(points), bool(vetoed), bool(eligible), int(credit))
                for _, hh, path, points, vetoed, eligible, credit in cursor.fetchall()]


def lines_sql(*, year: int, quarter: int, settlement_ids: list[int], year_window: bool,
               village_id: int | None = None) -> tuple[str, list]:
    """The SELECT of settlement lines straight from the ledger: (settlement, household, path, points,
    vetoed, eligible, credit) for each household that reached the settlement's threshold or has a veto
    item that counts (net of reversals) in its veto window.

    A settlement reads its village's entries up to ``ledger_seq``, the chain's length when it was
    computed: the draft the committees review is what publication writes, whatever is posted meanwhile.
    One GROUP BY in the database; nothing passes through Python.
    """
    quarter_start, quarter_end = quarter_bounds(year, quarter)
    window_start = date(year, 1, 1) if year_window else quarter_start
    ops = connection.ops
    q_start = ops.adapt_datefield_value(quarter_start)
    marks = ", ".join(["%s"] * len(settlement_ids))
    params: list = [q_start, q_start, *settlement_ids, ops.adapt_datefield_value(window_start),
                    ops.adapt_datefield_value(quarter_end)]
    village_filter = ""
    if village_id is not None:  # one village: its slice of the chain by index, not a scan of all villages
        village_filter, params = "AND e.village_id = %s", [*params, village_id]
    vetoes = "(CASE WHEN s.veto_scope = 'year' THEN agg.year_vetoes ELSE agg.quarter_vetoes END)"
    eligible = f"(agg.quarter_points >= s.threshold AND {vetoes} <= 0)"
    sql = f"""
        SELECT s.id AS sid, agg.household_id AS household_id, agg.path AS path, agg.quarter_points AS points,
               {vetoes} > 0 AS vetoed, {eligible} AS eligible,
               CASE WHEN {eligible} THEN agg.quarter_points ELSE 0 END AS credit
        FROM (
            SELECT e.village_id, e.household_id, MAX(e.path) AS path,
                   SUM(CASE WHEN e.occurred_on >= %s THEN e.points ELSE 0 END) AS quarter_points,
                   SUM(CASE WHEN rv.kind = 'veto' AND e.occurred_on >= %s
                            THEN (CASE WHEN e.kind = 'reversal' THEN -1 ELSE 1 END) ELSE 0 END) AS quarter_vetoes,
                   SUM(CASE WHEN rv.kind = 'veto'
                            THEN (CASE WHEN e.kind = 'reversal' THEN -1 ELSE 1 END) ELSE 0 END) AS year_vetoes
            FROM {LedgerEntry._meta.db_table} e
            JOIN {Settlement._meta.db_table} w ON w.village_id = e.village_id AND w.id IN ({marks})
                 AND e.seq <= w.ledger_seq
            LEFT JOIN {RuleVersion._meta.db_table} rv ON rv.id = e.rule_version_id
            WHERE e.account = 'score' AND e.occurred_on BETWEEN %s AND %s {village_filter}
            GROUP BY e.village_id, e.household_id
        ) agg
        JOIN {Settlement._meta.db_table} s ON s.village_id = agg.village_id
        WHERE s.id IN ({marks}) AND (agg.quarter_points >= s.threshold OR {vetoes} > 0)
    """
    return sql, [*params, *settlement_ids]
