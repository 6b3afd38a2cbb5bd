"""Writes of the 两新 census: organisations, census returns, coverage, the instructor pool and dispatches, and the
two Excel imports. Each public function: keyword-only, one transaction, audited. Nothing is deleted: closing an
organisation, ending a coverage or a dispatch, an instructor leaving the pool all write a date, so the four
registers can be asked for any past day.

The organisation department (``MANAGE`` on the organisation's area) keeps all of it; a write on a 两新 organisation
locks that organisation's row first (docs/locking.md, "the row being acted on"), so two offices covering or
dispatching to it at once take turns and the "one open coverage" rule is read under the lock. A dispatch locks the
instructor before the organisation, so an instructor leaving the pool and a new dispatch of theirs take turns.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from grassroots.access.scope import authorise_organisation, refuse, scope_of
from grassroots.areas.models import Area
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.refusals import Refusal
from grassroots.core.table_import import Rejected, read_upload
from grassroots.neworgs.models import CensusReturn, Coverage, Dispatch, Instructor, NewOrganisation
from grassroots.neworgs.selectors import NEW_ORGANISATION_HOSTS
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import neworgs as rules
from grassroots.rules.mobile import MobileError, normalise_mobile
from grassroots.rules.tables import Column, RowError, a_date, choice, text, whole_number

KIND_LABELS = {label: value for value, label in NewOrganisation.Kind.choices} | {
    "非公企业": NewOrganisation.Kind.ENTERPRISE, "企业": NewOrganisation.Kind.ENTERPRISE}


def authorise_manage(actor: Actor, path: str) -> None:
    """The organisation department's check: 403 to a caller who may look at ``path``, 404 to anyone else."""
    if actor.is_system:
        return
    scope = scope_of(actor.user)
    if not scope.can(caps.MANAGE, path):
        refuse(seen=scope.can(caps.VIEW, path))


def _locked(new_organisation: NewOrganisation) -> NewOrganisation:
    return NewOrganisation.objects.select_for_update().get(pk=new_organisation.pk)


def _open_on(new_organisation: NewOrganisation, day: date, field: str) -> None:
    if day < new_organisation.registered_on:
        raise ValidationError({field: f"“{new_organisation}”{new_organisation.registered_on} 才纳入台账"})
    if new_organisation.closed_on is not None and day >= new_organisation.closed_on:
        raise Refusal({field: f"“{new_organisation}”已于 {new_organisation.closed_on} 注销"})


# ------------------------------------------------------------------------------------------- organisations


def _check_new_organisation(*, name: str, credit_code: str, kind: str) -> None:
    if not name:
        raise ValidationError({"name": "请填写两新组织名称"})
    if kind not in NewOrganisation.Kind.values:
        raise ValidationError({"kind": f"类型“{kind}”不存在，应为非公有制企业或社会组织"})
    if credit_code and (len(credit_code) != 18 or not credit_code.isalnum()):
        raise ValidationError({"credit_code": f"统一社会信用代码“{credit_code}”应为 18 位数字或字母"})
    if credit_code and NewOrganisation.objects.filter(credit_code=credit_code).exists():
        raise Refusal({"credit_code": f"统一社会信用代码“{credit_code}”已登记"})


@transaction.atomic
def register_new_organisation(*, actor: Actor, name: str, kind: str, area: Area, registered_on: date,
                              credit_code: str = "", industry: str = "") -> NewOrganisation:
    """Take a 两新 organisation into the census of ``area`` from ``registered_on``."""
    authorise_manage(actor, area.path)
    name, credit_code = name.strip(), credit_code.strip().upper()
    _check_new_organisation(name=name, credit_code=credit_code, kind=kind)
    new_organisation = NewOrganisation.objects.create(
        name=name, credit_code=credit_code or None, kind=kind, industry=industry.strip(), area=area, path=area.path,
        registered_on=registered_on)
    record(actor=actor, action="neworgs.organisation.register", obj=new_organisation,
           data={"name": name, "kind": kind, "registered_on": registered_on.isoformat()})
    return new_organisation


def _end(row, day: date, what: str, field: str) -> None:
    if day <= row.started_on:
        raise ValidationError({field: f"{what}自 {row.started_on} 起，结束日期 {day} 须晚于该日"})
    row.ended_on = day
    row.save(update_fields=["ended_on"])


@transaction.atomic
def close_new_organisation(*, actor: Actor, new_organisation: NewOrganisation, closed_on: date) -> NewOrganisation:
    """注销: the organisation leaves the census on ``closed_on``; its open coverage and dispatches end that day."""
    authorise_manage(actor, new_organisation.path)
    new_organisation = _locked(new_organisation)
    if new_organisation.closed_on is not None:
        raise Refusal({"closed_on": f"“{new_organisation}”已于 {new_organisation.closed_on} 注销"})
    if closed_on <= new_organisation.registered_on:
        raise ValidationError({"closed_on": f"注销日期须晚于纳入台账日期 {new_organisation.registered_on}"})
    for row in [*new_organisation.coverages.filter(ended_on__isnull=True),
                *new_organisation.dispatches.filter(ended_on__isnull=True).select_related("instructor")]:
        what = (f"“{row.organisation}”对它的覆盖" if isinstance(row, Coverage)
                else f"指导员{row.instructor}的选派")
        _end(row, closed_on, what, "closed_on")
    new_organisation.closed_on = closed_on
    new_organisation.save(update_fields=["closed_on"])
    record(actor=actor, action="neworgs.organisation.close", obj=new_organisation,
           data={"closed_on": closed_on.isoformat()})
    return new_organisation


def _census_return(*, new_organisation: NewOrganisation, counted_on: date, employees: int, full_members: int,
                   probationary_members: int) -> CensusReturn:
    problem = rules.census_problem(employees=employees, full_members=full_members,
                                   probationary_members=probationary_members)
    if problem:
        raise ValidationError({"full_members": f"“{new_organisation}”：{problem}"})
    if counted_on < new_organisation.registered_on:
        raise ValidationError({"counted_on": f"统计日期早于“{new_organisation}”纳入台账的日期 "
                                             f"{new_organisation.registered_on}"})
    if new_organisation.closed_on is not None and counted_on >= new_organisation.closed_on:
        raise Refusal({"counted_on": f"“{new_organisation}”已于 {new_organisation.closed_on} 注销"})
    if CensusReturn.objects.filter(new_organisation=new_organisation, counted_on=counted_on).exists():
        raise Refusal({"counted_on": f"“{new_organisation}”{counted_on} 的普查数据已录入"})
    return CensusReturn.objects.create(new_organisation=new_organisation, counted_on=counted_on, employees=employees,
                                       full_members=full_members, probationary_members=probationary_members)


@transaction.atomic
def record_census_return(*, actor: Actor, new_organisation: NewOrganisation, counted_on: date, employees: int,
                         full_members: int, probationary_members: int = 0) -> CensusReturn:
    """The employees, full and probationary members counted in the organisation on ``counted_on``."""
    authorise_manage(actor, new_organisation.path)
    new_organisation = _locked(new_organisation)
    row = _census_return(new_organisation=new_organisation, counted_on=counted_on, employees=employees,
                         full_members=full_members, probationary_members=probationary_members)
    record(actor=actor, action="neworgs.census_return.record", obj=row, area_path=new_organisation.path,
           data={"counted_on": counted_on.isoformat(), "employees": employees, "full_members": full_members,
                 "probationary_members": probationary_members})
    return row


# ------------------------------------------------------------------------------------------- coverage


@transaction.atomic
def cover(*, actor: Actor, new_organisation: NewOrganisation, organisation: Organisation,
          started_on: date) -> Coverage:
    """``organisation`` (built in an enterprise or a social organisation; a joint branch covers several) covers
    ``new_organisation`` from ``started_on``. One open coverage at a time: end the old one first."""
    authorise_manage(actor, new_organisation.path)
    authorise_organisation(actor, caps.VIEW, organisation, seen_with=caps.VIEW)
    new_organisation = _locked(new_organisation)
    if organisation.host not in NEW_ORGANISATION_HOSTS:
        raise ValidationError({"organisation": f"“{organisation}”建在{organisation.get_host_display()}，"
                                               "不是非公企业或社会组织党组织"})
    if not organisation.exists_on(started_on):
        raise ValidationError({"started_on": f"“{organisation}”在 {started_on} 不存在（成立于 {organisation.founded_on}"
                                             f"{f'，撤销于 {organisation.dissolved_on}' if organisation.dissolved_on else ''}）"})
    _open_on(new_organisation, started_on, "started_on")
    current = new_organisation.coverages.filter(ended_on__isnull=True).select_related("organisation").first()
    if current is not None:
        raise Refusal({"organisation": f"“{new_organisation}”已由“{current.organisation}”自 "
                                               f"{current.started_on} 起覆盖，请先结束该覆盖"})
    last = new_organisation.coverages.filter(ended_on__gt=started_on).order_by("-ended_on").first()
    if last is not None:
        raise ValidationError({"started_on": f"“{new_organisation}”此前的覆盖到 {last.ended_on} 才结束，"
                                             "起始日期不能早于该日"})
    coverage = Coverage.objects.create(new_organisation=new_organisation, organisation=organisation,
                                       started_on=started_on)
    record(actor=actor, action="neworgs.coverage.start", obj=coverage, area_path=new_organisation.path,
           data={"organisation": organisation.pk, "started_on": started_on.isoformat()})
    return coverage


def _end_span(actor: Actor, row, ended_on: date, *, related: str, what, action: str):
    """End a coverage or a dispatch (a half-open span of days) under the 两新 organisation's lock."""
    path = row.new_organisation.path
    authorise_manage(actor, path)
    _locked(row.new_organisation)
    row = type(row).objects.select_related(related).get(pk=row.pk)
    if row.ended_on is not None:
        raise Refusal({"ended_on": f"{what(row)}已于 {row.ended_on} 结束"})
    _end(row, ended_on, what(row), "ended_on")
    record(actor=actor, action=action, obj=row, area_path=path, data={"ended_on": ended_on.isoformat()})
    return row


@transaction.atomic
def end_coverage(*, actor: Actor, coverage: Coverage, ended_on: date) -> Coverage:
    return _end_span(actor, coverage, ended_on, related="organisation", action="neworgs.coverage.end",
                     what=lambda row: f"“{row.organisation}”的覆盖")


# ------------------------------------------------------------------------------------------- instructors


def _check_instructor(*, name: str, employer: str, mobile: str) -> str:
    if not name:
        raise ValidationError({"name": "请填写指导员姓名"})
    if not employer:
        raise ValidationError({"employer": f"请填写指导员“{name}”的工作单位"})
    if not mobile:
        return ""
    try:
        return normalise_mobile(mobile)
    except MobileError as e:
        raise ValidationError({"mobile": f"指导员“{name}”：{e}"}) from None


@transaction.atomic
def add_instructor(*, actor: Actor, area: Area, name: str, employer: str, joined_on: date, title: str = "",
                   mobile: str = "", person=None) -> Instructor:
    """One more 党建工作指导员 in the pool of ``area`` (a county's, usually)."""
    authorise_manage(actor, area.path)
    name, employer = name.strip(), employer.strip()
    mobile = _check_instructor(name=name, employer=employer, mobile=mobile.strip())
    instructor = Instructor.objects.create(name=name, employer=employer, title=title.strip(), mobile=mobile,
                                           area=area, path=area.path, joined_on=joined_on, person=person)
    record(actor=actor, action="neworgs.instructor.add", obj=instructor,
           data={"name": name, "joined_on": joined_on.isoformat()})
    return instructor


@transaction.atomic
def instructor_leaves(*, actor: Actor, instructor: Instructor, left_on: date) -> Instructor:
    """The instructor leaves the pool on ``left_on``; their open dispatches end that day."""
    authorise_manage(actor, instructor.path)
    instructor = Instructor.objects.select_for_update().get(pk=instructor.pk)
    if instructor.left_on is not None:
        raise Refusal({"left_on": f"指导员“{instructor}”已于 {instructor.left_on} 退出"})
    if left_on <= instructor.joined_on:
        raise ValidationError({"left_on": f"退出日期须晚于指导员“{instructor}”的入库日期 {instructor.joined_on}"})
    for row in instructor.dispatches.filter(ended_on__isnull=True).select_related("new_organisation"):
        _end(row, left_on, f"到“{row.new_organisation}”的选派", "left_on")
    instructor.left_on = left_on
    instructor.save(update_fields=["left_on"])
    record(actor=actor, action="neworgs.instructor.leave", obj=instructor, data={"left_on": left_on.isoformat()})
    return instructor


@transaction.atomic
def dispatch(*, actor: Actor, instructor: Instructor, new_organisation: NewOrganisation,
             started_on: date) -> Dispatch:
    """选派: ``instructor`` serves ``new_organisation`` from ``started_on``."""
    authorise_manage(actor, new_organisation.path)
    authorise_manage(actor, instructor.path)
    # The instructor first, then the organisation: as instructor_leaves takes the instructor, and close the
    # organisation, before either touches a dispatch.
    instructor = Instructor.objects.select_for_update().get(pk=instructor.pk)
    new_organisation = _locked(new_organisation)
    _open_on(new_organisation, started_on, "started_on")
    if not rules.open_on(started_on, started_on=instructor.joined_on, ended_on=instructor.left_on):
        raise ValidationError({"instructor": f"指导员“{instructor}”在 {started_on} 不在人才库中"})
    if Dispatch.objects.filter(instructor=instructor, new_organisation=new_organisation,
                               ended_on__isnull=True).exists():
        raise Refusal({"instructor": f"指导员“{instructor}”已选派到“{new_organisation}”"})
    if Dispatch.objects.filter(instructor=instructor, new_organisation=new_organisation,
                               ended_on__gt=started_on).exists():
        raise ValidationError({"started_on": f"指导员“{instructor}”此前在“{new_organisation}”的选派尚未结束于该日"})
    row = Dispatch.objects.create(instructor=instructor, new_organisation=new_organisation, started_on=started_on)
    record(actor=actor, action="neworgs.dispatch.start", obj=row, area_path=new_organisation.path,
           data={"instructor": instructor.pk, "started_on": started_on.isoformat()})
    return row


@transaction.atomic
def end_dispatch(*, actor: Actor, dispatch: Dispatch, ended_on: date) -> Dispatch:
    return _end_span(actor, dispatch, ended_on, related="instructor", action="neworgs.dispatch.end",
                     what=lambda row: f"指导员“{row.instructor}”的选派")


# ------------------------------------------------------------------------------------------- imports

CENSUS_COLUMNS = [
    Column("名称", "name", text(200), required=True),
    Column("统一社会信用代码", "credit_code", text(18)),
    Column("类型", "kind", choice(KIND_LABELS), required=True),
    Column("行业", "industry", text(50)),
    Column("所在区域代码", "area", text(20), required=True),
    Column("纳入台账日期", "registered_on", a_date, required=True),
    Column("统计日期", "counted_on", a_date, required=True),
    Column("从业人员", "employees", whole_number, required=True),
    Column("正式党员", "full_members", whole_number, required=True),
    Column("预备党员", "probationary_members", whole_number, default=0),
]
CENSUS_EXAMPLE = ["翁牛特旗某某商贸有限公司", "91150426MA0EXAMPLE", "非公有制企业", "批发零售", "150426100000",
                  "2025-03-01", "2026-06-30", 25, 3, 1]

INSTRUCTOR_COLUMNS = [
    Column("姓名", "name", text(50), required=True),
    Column("工作单位", "employer", text(100), required=True),
    Column("职务", "title", text(50)),
    Column("手机号", "mobile", text(20)),
    Column("入库日期", "joined_on", a_date, required=True),
]
INSTRUCTOR_EXAMPLE = ["张志强", "翁牛特旗市场监督管理局", "副局长", "13904760000", "2026-03-01"]


def _row_errors(number: int, who: str, exc: ValidationError) -> list[RowError]:
    columns = {c.key: c.header for c in (*CENSUS_COLUMNS, *INSTRUCTOR_COLUMNS)}
    messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    return [RowError(number, columns.get(field, ""), m if who in m else f"“{who}”：{m}")
            for field, items in messages.items() for m in items]


@transaction.atomic
def import_census(*, actor: Actor, upload, within: Area) -> dict:
    """The census typed in Excel: one row per organisation and census return. A row names an organisation by its
    统一社会信用代码 (or, without one, by its name in its area); an unknown one is registered. Every row is checked
    first; one bad row and nothing is written (core/table_import.py). A return already recorded with the same
    figures is skipped, so the same file imported twice changes nothing."""
    authorise_manage(actor, within.path)
    table = read_upload(upload, CENSUS_COLUMNS)
    errors = list(table.errors)
    areas = {a.code: a for a in Area.objects.filter(
        code__in={row["area"] for row in table.rows}, path__startswith=within.path)}
    codes = {row["credit_code"].upper() for row in table.rows if row["credit_code"]}
    known = NewOrganisation.objects.filter(Q(credit_code__in=codes) | Q(
        path__startswith=within.path, name__in={row["name"] for row in table.rows}))
    by_code = {o.credit_code: o for o in known if o.credit_code}
    by_name = {(o.name, o.area_id): o for o in known}
    returns = {(r.new_organisation_id, r.counted_on): r for r in CensusReturn.objects.filter(new_organisation__in=known)}
    plan, seen = [], {}
    for row in table.rows:
        number, name = row["_row"], row["name"]
        area = areas.get(row["area"])
        if area is None:
            errors.append(RowError(number, "所在区域代码", f"“{name}”：区域代码“{row['area']}”不存在或不在{within}"))
            continue
        code = row["credit_code"].upper()
        existing = by_code.get(code) if code else by_name.get((name, area.pk))
        if existing is None and code and (name, area.pk) in by_name:
            existing = by_name[(name, area.pk)]
        key = (code or (name, area.pk), row["counted_on"])
        if key in seen:
            errors.append(RowError(number, "统计日期", f"“{name}”{row['counted_on']} 的普查数据与第{seen[key]}行重复"))
            continue
        seen[key] = number
        problem = rules.census_problem(employees=row["employees"], full_members=row["full_members"],
                                       probationary_members=row["probationary_members"])
        if problem:
            errors.append(RowError(number, "正式党员", f"“{name}”：{problem}"))
        if row["counted_on"] < row["registered_on"]:
            errors.append(RowError(number, "统计日期", f"“{name}”：统计日期早于纳入台账日期"))
        if existing is None:
            if code and (len(code) != 18 or not code.isalnum()):
                errors.append(RowError(number, "统一社会信用代码", f"“{name}”：统一社会信用代码应为 18 位数字或字母"))
        elif not existing.path.startswith(within.path):
            errors.append(RowError(number, "统一社会信用代码", f"“{name}”：统一社会信用代码“{code}”已登记为{existing.area}的"
                                                          f"“{existing}”，不在{within}"))
            continue
        else:
            same = returns.get((existing.pk, row["counted_on"]))
            if same is not None and (same.employees, same.full_members, same.probationary_members) != (
                    row["employees"], row["full_members"], row["probationary_members"]):
                errors.append(RowError(number, "统计日期", f"“{name}”{row['counted_on']} 的普查数据已录入，且与本行不同"))
                continue
            if existing.closed_on is not None and row["counted_on"] >= existing.closed_on:
                errors.append(RowError(number, "统计日期", f"“{name}”已于 {existing.closed_on} 注销"))
            if row["counted_on"] < existing.registered_on:
                errors.append(RowError(number, "统计日期", f"“{name}”{existing.registered_on} 才纳入台账"))
            if same is not None:
                continue
        plan.append((row, area, existing))
    if errors:
        raise Rejected(errors)
    made = created = 0
    registered: dict = {}
    for row, area, existing in plan:
        key = row["credit_code"].upper() or (row["name"], area.pk)
        organisation = existing or registered.get(key)
        if organisation is None:
            organisation = NewOrganisation.objects.create(
                name=row["name"], credit_code=row["credit_code"].upper() or None, kind=row["kind"],
                industry=row["industry"], area=area, path=area.path, registered_on=row["registered_on"])
            registered[key] = organisation
            created += 1
        try:
            _census_return(new_organisation=organisation, counted_on=row["counted_on"], employees=row["employees"],
                           full_members=row["full_members"], probationary_members=row["probationary_members"])
        except ValidationError as e:
            raise Rejected(_row_errors(row["_row"], row["name"], e)) from None
        made += 1
    summary = {"organisations": created, "returns": made, "skipped": len(table.rows) - len(plan)}
    record(actor=actor, action="neworgs.census.import", object_type="neworgs.census", area_path=within.path,
           data=summary)
    return summary


@transaction.atomic
def import_instructors(*, actor: Actor, upload, area: Area) -> dict:
    """The instructor pool typed in Excel, all rows or none. An instructor already in the pool of ``area`` (same
    name and mobile) is skipped."""
    authorise_manage(actor, area.path)
    table = read_upload(upload, INSTRUCTOR_COLUMNS)
    errors = list(table.errors)
    known = set(Instructor.objects.filter(path=area.path, left_on__isnull=True).values_list("name", "mobile"))
    plan, seen = [], {}
    for row in table.rows:
        try:
            row["mobile"] = _check_instructor(name=row["name"], employer=row["employer"], mobile=row["mobile"])
        except ValidationError as e:
            errors += _row_errors(row["_row"], row["name"], e)
            continue
        key = (row["name"], row["mobile"])
        if key in seen:
            errors.append(RowError(row["_row"], "姓名", f"指导员“{row['name']}”与第{seen[key]}行重复"))
            continue
        seen[key] = row["_row"]
        if key not in known:
            plan.append(row)
    if errors:
        raise Rejected(errors)
    for row in plan:
        Instructor.objects.create(name=row["name"], employer=row["employer"], title=row["title"],
                                  mobile=row["mobile"], area=area, path=area.path, joined_on=row["joined_on"])
    summary = {"instructors": len(plan), "skipped": len(table.rows) - len(plan)}
    record(actor=actor, action="neworgs.instructor.import", object_type="neworgs.instructor", area_path=area.path,
           data=summary)
    return summary
