"""Rules of the party organisation tree, without Django: what may sit under what, where a moved subtree's paths
go, an organisation's status on a day, and when a branch is a year's 最强党支部 (model branch).

Kinds are the stored values of party.models.Organisation.Kind ("committee", "general_branch", "branch", "group").
"""

from collections.abc import Iterable
from datetime import date

COMMITTEE, GENERAL_BRANCH, BRANCH, GROUP = "committee", "general_branch", "branch", "group"
NORMAL, WEAK, DISSOLVED = "normal", "weak", "dissolved"

# What may sit under what: a 党委 under a 党委; a 党总支 under a 党委; a 党支部 under a 党委 or a 党总支; a 党小组 under a
# 党支部 or a 党总支.
ALLOWED_PARENTS: dict[str, frozenset[str]] = {
    COMMITTEE: frozenset({COMMITTEE}),
    GENERAL_BRANCH: frozenset({COMMITTEE}),
    BRANCH: frozenset({COMMITTEE, GENERAL_BRANCH}),
    GROUP: frozenset({BRANCH, GENERAL_BRANCH}),
}

# The 2026 最强党支部 checklist, in the wording of the seed pages: 002 (杭锦旗人民检察院: “最强党支部”建设要求 — 学习型、
# 服务型、创新型、法治型党组织; “三会一课”、组织生活; the “四个一” study routine; 战斗堡垒 and 示范带动) and 001
# (阿拉善高新区: 分领域明确创建标准; 活动阵地、党员活动室、便民服务站; 党建+合作社, 集体经济清零递增).
SEED_CHECKLIST: tuple[str, ...] = (
    "从严从实抓好“三会一课”、组织生活会、主题党日等制度落实",
    "建设学习型、服务型、创新型、法治型党组织，落实“每月一次支部学”等学习制度",
    "活动阵地改造好：党员活动室、便民服务站等功能设施一应俱全",
    "党建引领产业发展：“党建+合作社”带动增收，集体经济清零递增",
    "筑牢党组织战斗堡垒，党员发挥先锋模范和示范带动作用",
)


def may_sit_under(kind: str, parent_kind: str) -> bool:
    return parent_kind in ALLOWED_PARENTS.get(kind, frozenset())


def is_within(path: str, ancestor_path: str) -> bool:
    """Whether the organisation at ``path`` is the one at ``ancestor_path`` or lies under it."""
    return path.startswith(ancestor_path)


def moved_path(path: str, *, old_prefix: str, new_prefix: str) -> str:
    """Where an organisation of a moved subtree lands: its path with the moved root's old path replaced."""
    if not path.startswith(old_prefix):
        raise ValueError(f"{path} is not under {old_prefix}")
    return new_prefix + path[len(old_prefix):]


def depth(path: str) -> int:
    """How many organisations deep ``path`` is (its ``o<id>/`` segments; area segments are digits)."""
    return sum(1 for segment in path.split("/") if segment.startswith("o"))


def status_on(day: date, *, dissolved_on: date | None, weak_spans: Iterable[tuple[date, date | None]]) -> str:
    """The status an organisation had on ``day``: dissolved from its dissolution date on; weak while a
    rectification [identified_on, completed_on) covers the day; normal otherwise."""
    if dissolved_on is not None and dissolved_on <= day:
        return DISSOLVED
    if any(start <= day and (end is None or day < end) for start, end in weak_spans):
        return WEAK
    return NORMAL


def is_model_branch(item_ids: Iterable[int], accepted_item_ids: Iterable[int]) -> bool:
    """A branch is the year's 最强党支部 when the year has a checklist and every item of it was accepted."""
    items = set(item_ids)
    return bool(items) and items <= set(accepted_item_ids)
