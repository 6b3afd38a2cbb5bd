"""The rows of the census export and the four registers' workbook (one sheet per register, one for the figures).
Rows are generated from the selectors' querysets (``.iterator()`` where nothing is prefetched), never one query
per row."""

from collections.abc import Iterable, Iterator

from grassroots.core.excel import Sheet
from grassroots.development.models import Stage
from grassroots.neworgs.models import NewOrganisation

CENSUS_HEADERS = ["名称", "统一社会信用代码", "类型", "行业", "所在区域", "所在区域代码", "纳入台账日期", "统计日期",
                  "从业人员", "正式党员", "预备党员", "符合组建条件", "覆盖党组织", "党建工作指导员"]


def yes_no(value: bool) -> str:
    return "是" if value else "否"


def census_rows(rows: Iterable[NewOrganisation]) -> Iterator[list]:
    for o in rows:
        yield [o.name, o.credit_code or "", o.get_kind_display(), o.industry, o.area.name, o.area.code,
               o.registered_on, o.counted_on, o.employees, o.full_members, o.probationary_members, yes_no(o.qualifies),
               o.covering_name or "", "、".join(d.instructor.name for d in o.dispatches_on)]


def register_sheets(four) -> list[Sheet]:
    f = four.figures
    figures = Sheet("统计", ["项目", "数量"], [
        ["区域", four.area.name], ["日期", four.day], ["纳入台账的两新组织", f.in_census],
        ["有党员且符合组建条件的", f.qualifying], ["已建立党组织的两新组织", f.covered],
        ["覆盖它们的党组织（联合党组织计一次）", f.covering_organisations], ["符合条件而未建立党组织的", f.uncovered_qualifying],
    ], column_widths=(36, 16))
    built = Sheet("已建立党组织名册", ["两新组织", "类型", "所在区域", "党组织", "党组织代码", "组建方式", "党组织成立日期",
                                      "覆盖起始日期", "正式党员", "预备党员", "从业人员"], (
        [o.name, o.get_kind_display(), o.area.name, o.covering_name, o.covering_code or "",
         "联合组建" if o.covering_count > 1 else "单独组建", o.covering_founded, o.covered_since, o.full_members,
         o.probationary_members, o.employees] for o in four.built.iterator()), column_widths=(30, 12, 14, 36))
    reserve = Sheet("发展党员人选储备名册", ["姓名", "性别", "出生日期", "培养党组织", "阶段", "阶段起始日期", "递交申请日期"], (
        [d.name, d.get_gender_display(), d.birth_date, d.organisation.name, _stage(d.stage_on), d.stage_since,
         d.applied_on] for d in four.reserve.iterator()), column_widths=(12, 6, 12, 36))
    dispatched = Sheet("党建工作指导员选派名册", ["指导员", "工作单位", "职务", "手机号", "两新组织", "选派日期"], (
        [d.instructor.name, d.instructor.employer, d.instructor.title, d.instructor.mobile, d.new_organisation.name,
         d.started_on] for d in four.dispatched.iterator()), column_widths=(12, 28, 12, 14, 30))
    newly_built = Sheet("新建党组织名册", ["党组织", "组织代码", "类别", "所在单位", "上级党组织", "成立日期"], (
        [o.name, o.code or "", o.get_kind_display(), o.host_name, o.parent.name if o.parent else "", o.founded_on]
        for o in four.newly_built.iterator()), column_widths=(36, 14, 8, 28, 30))
    gap = Sheet("应建未建", ["两新组织", "类型", "所在区域", "统计日期", "正式党员", "从业人员"], (
        [o.name, o.get_kind_display(), o.area.name, o.counted_on, o.full_members, o.employees]
        for o in four.gap.iterator()), column_widths=(30, 12, 14))
    return [figures, built, reserve, dispatched, newly_built, gap]


def _stage(value: str) -> str:
    return Stage(value).label
