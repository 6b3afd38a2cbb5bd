"""季评议·兑换 and 年总结: the arithmetic of settlements, rankings, honours and credit bands.

Pure Python: no Django. Points are integers; money is integer fen (1 yuan = 100 fen).
"""

from dataclasses import dataclass
from datetime import date

from grassroots.rules.points import period_bounds

DEFAULT_THRESHOLD = 80
DEFAULT_POINTS_PER_YUAN = 5

# 星级文明户: the most stars whose minimum the annual score reaches.
DEFAULT_STAR_BANDS = [{"stars": 5, "min": 400}, {"stars": 4, "min": 320}, {"stars": 3, "min": 240},
                      {"stars": 2, "min": 160}, {"stars": 1, "min": 80}]
# Honours decided by rank among the households without a veto: the best ``top`` reaching ``min``.
DEFAULT_HONOURS = [{"name": "最美家庭", "top": 3, "min": 240}]
# 信用等级: the first band whose minimum the annual score reaches; below all of them 较差.
DEFAULT_CREDIT_BANDS = [{"band": "优秀", "min": 320}, {"band": "良好", "min": 240}, {"band": "一般", "min": 120}]
LOWEST_CREDIT_BAND = "较差"
CREDIT_BAND_NAMES = ("优秀", "良好", "一般", "较差")


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("季度须为1到4")
    return period_bounds(date(year, 3 * quarter - 2, 1), "quarter")


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}年第{'一二三四'[quarter - 1]}季度"


@dataclass(frozen=True)
class LineResult:
    eligible: bool
    credit: int  # redeemable points granted
    reason: str  # why not, in Chinese; empty when eligible


def settle(points: int, *, vetoed: bool, threshold: int) -> LineResult:
    """One household's quarter: the whole quarter's points become redeemable once they reach the threshold."""
    if vetoed:
        return LineResult(False, 0, "有否决项目，不能兑换")
    if points < threshold:
        return LineResult(False, 0, f"本季度{points}分，未达到{threshold}分")
    return LineResult(True, points, "")


def fen_for(points: int, points_per_yuan: int) -> int:
    """What ``points`` are worth in fen at ``points_per_yuan`` (rounded down to the fen)."""
    if points_per_yuan <= 0:
        raise ValueError("兑换比例须为正数")
    return points * 100 // points_per_yuan


def points_for_fen(fen: int, points_per_yuan: int) -> int:
    """The points a price of ``fen`` costs (rounded up: the shop never gives away a part-point)."""
    if points_per_yuan <= 0:
        raise ValueError("兑换比例须为正数")
    return -(-fen * points_per_yuan // 100)


def yuan_text(fen: int) -> str:
    yuan, cents = divmod(fen, 100)
    return f"{yuan}元" if cents == 0 else f"{yuan}.{cents:02d}元"


def competition_ranks(scores: list[int]) -> list[int]:
    """Ranks for scores sorted best first: equal scores share a rank, the next rank skips (1, 2, 2, 4)."""
    ranks = []
    for i, score in enumerate(scores):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks


def stars_for(score: int, bands: list[dict]) -> int:
    return max((b["stars"] for b in bands if score >= b["min"]), default=0)


def credit_band(score: int, *, vetoed: bool, bands: list[dict]) -> str:
    """A veto in the year rates 较差 whatever the score."""
    if vetoed:
        return LOWEST_CREDIT_BAND
    for band in sorted(bands, key=lambda b: -b["min"]):
        if score >= band["min"]:
            return band["band"]
    return LOWEST_CREDIT_BAND


@dataclass(frozen=True)
class Ranked:
    key: object
    score: int
    vetoed: bool


def honours(ranked: list[Ranked], config: list[dict]) -> dict[object, list[str]]:
    """Honours by rank among households without a veto.

    A tie at the cut-off takes in everyone on that score: the committees, not the sort order, choose
    between equals, so all of them are listed.
    """
    eligible = sorted((r for r in ranked if not r.vetoed), key=lambda r: -r.score)
    won: dict[object, list[str]] = {}
    for honour in config:
        minimum = honour.get("min", 0)
        top = honour.get("top")
        qualifying = [r for r in eligible if r.score >= minimum]
        if top is not None and len(qualifying) > top:
            cut = qualifying[top - 1].score
            qualifying = [r for r in qualifying if r.score >= cut]
        for r in qualifying:
            won.setdefault(r.key, []).append(honour["name"])
    return won


def check_bands(star_bands: list[dict], credit_bands: list[dict], honour_config: list[dict]) -> dict[str, str]:
    """Problems with a village's configuration, by field, in Chinese."""
    errors = {}
    try:
        if any(not (1 <= int(b["stars"]) <= 5) or int(b["min"]) < 0 for b in star_bands):
            errors["star_bands"] = "星级须为1到5，分数线不能为负"
    except (KeyError, TypeError, ValueError):
        errors["star_bands"] = "星级分数线格式有误"
    try:
        names = [b["band"] for b in credit_bands]
        if any(n not in CREDIT_BAND_NAMES[:-1] for n in names) or len(set(names)) != len(names):
            errors["credit_bands"] = "信用等级只能是优秀、良好、一般（其余为较差），且不能重复"
        else:
            order = [int(b["min"]) for b in sorted(credit_bands, key=lambda b: CREDIT_BAND_NAMES.index(b["band"]))]
            if order != sorted(order, reverse=True) or len(set(order)) != len(order):
                errors["credit_bands"] = "信用等级分数线须为 优秀 > 良好 > 一般"
    except (KeyError, TypeError, ValueError):
        errors["credit_bands"] = "信用等级分数线格式有误"
    try:
        if any(not str(h["name"]).strip() or (h.get("top") is not None and int(h["top"]) < 1) for h in honour_config):
            errors["honours"] = "荣誉须有名称，名额至少为1"
    except (KeyError, TypeError, ValueError):
        errors["honours"] = "荣誉设置格式有误"
    return errors
