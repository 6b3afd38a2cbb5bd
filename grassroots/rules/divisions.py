"""Administrative divisions of Inner Mongolia: read the fixture, walk it, check it.

Pure Python (no Django). The fixture is grassroots/areas/data/inner_mongolia.csv,
header ``code,name,level,parent_code``, 12-digit statistical codes.
"""

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("region", "prefecture", "county", "township", "village", "grid")
LEVEL_LABELS = {
    "region": "自治区",
    "prefecture": "盟市",
    "county": "旗县区",
    "township": "苏木乡镇街道",
    "village": "嘎查村社区",
    "grid": "网格",
}

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "areas" / "data" / "inner_mongolia.csv"


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str


def read_divisions(path=None):
    """Read the divisions CSV (default: the Inner Mongolia fixture) in file order."""
    with open(path or DEFAULT_PATH, encoding="utf-8", newline="") as f:
        return [Division(r["code"], r["name"], r["level"], r["parent_code"] or "") for r in csv.DictReader(f)]


def subtree(divisions, code):
    """The division with ``code`` and all its descendants, sorted by code.

    Returns an empty list when no division has that code.
    """
    children = {}
    for d in divisions:
        children.setdefault(d.parent_code, []).append(d)
    found = [d for d in divisions if d.code == code][:1]
    stack = list(found)
    while stack:
        kids = children.get(stack.pop().code, [])
        found.extend(kids)
        stack.extend(kids)
    return sorted(found, key=lambda d: d.code)


def validate(divisions):
    """Return a list of problems, each a Chinese message naming the code."""
    problems = []
    counts = Counter(d.code for d in divisions)
    by_code = {d.code: d for d in divisions}
    for code, n in counts.items():
        if n > 1:
            problems.append(f"代码 {code} 重复出现 {n} 次")
    for d in divisions:
        if not (len(d.code) == 12 and d.code.isdigit()):
            problems.append(f"代码 {d.code}（{d.name}）不是 12 位数字")
        if d.level not in LEVELS:
            problems.append(f"代码 {d.code}（{d.name}）的层级 {d.level} 未知")
            continue
        if not d.parent_code:
            if d.level != LEVELS[0]:
                problems.append(f"代码 {d.code}（{d.name}）缺少上级代码")
            continue
        parent = by_code.get(d.parent_code)
        if parent is None:
            problems.append(f"代码 {d.code}（{d.name}）的上级代码 {d.parent_code} 不存在")
        elif parent.level not in LEVELS or LEVELS.index(d.level) != LEVELS.index(parent.level) + 1:
            problems.append(
                f"代码 {d.code}（{d.name}）的层级 {LEVEL_LABELS[d.level]} "
                f"不是上级 {parent.code}（{parent.name}）层级的下一级"
            )
    return problems
