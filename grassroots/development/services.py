"""Writes of the development pipeline. Each public function: keyword-only, one transaction, audited; every step
is checked against the rules of 《中国共产党发展党员工作细则》 (rules/development.py) and refused with the rule's
reason, nothing written.

Locks (docs/locking.md): a write about one development takes its row first; reaching full then takes the
member's row (members.services locks members the same way).
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from grassroots.access.scope import authorise_organisation, reaches_organisation
from grassroots.areas.models import Person
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.refusals import Refusal
from grassroots.core.table_import import Rejected, read_upload
from grassroots.development.models import Development, Stage, Step
from grassroots.development.selectors import record_of
from grassroots.meetings.models import Meeting
from grassroots.members.models import Member
from grassroots.members.services import _admit, _sync_person
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import development as rules
from grassroots.rules.tables import Column, RowError, a_date, choice, text


def _not_in_future(day: date, field: str, name: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: f"{name}：日期 {day} 晚于今天，不能预先登记"})


def _lock(development: Development) -> Development:
    return Development.objects.select_for_update(of=("self",)).select_related("organisation", "person").get(
        pk=development.pk)


@transaction.atomic
def register_applicant(*, actor: Actor, organisation: Organisation, applied_on: date, person: Person | None = None,
                       name: str = "", gender: str = "", birth_date: date | None = None) -> Development:
    """Put an applicant (入党申请人) on ``organisation``'s pipeline from the day the application was handed in. A
    resident of the organisation's area is named by ``person``; anyone else by name, gender and birth date."""
    authorise_organisation(actor, caps.RECORD, organisation, seen_with=caps.VIEW)
    return _register(actor=actor, organisation=organisation, applied_on=applied_on, person=person, name=name,
                     gender=gender, birth_date=birth_date)


def _register(*, actor, organisation, applied_on, person, name, gender, birth_date) -> Development:
    if person is not None:
        if not person.path.startswith(organisation.area_path):
            raise ValidationError({"person": f"{person.name}不住在“{organisation}”所在区域，请直接填写姓名、性别、出生日期"})
        name, gender, birth_date = person.name, person.gender, person.birth_date
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写姓名"})
    if gender not in ("M", "F"):
        raise ValidationError({"gender": f"{name}：请选择性别"})
    if birth_date is None:
        raise ValidationError({"birth_date": f"{name}：请填写出生日期"})
    _not_in_future(applied_on, "applied_on", name)
    reason = rules.check_application(birth_date, applied_on)
    if reason:
        raise ValidationError({"applied_on": f"{name}：{reason}"})
    if not organisation.exists_on(applied_on):
        raise ValidationError({"applied_on": f"{applied_on} 党组织“{organisation}”尚未成立或已撤销"})
    if organisation.is_cloud_branch:
        raise ValidationError({"organisation": f"“{organisation}”是云支部，不接收入党申请"})
    if person is not None:
        if Member.objects.filter(person=person).exists():
            raise Refusal({"person": f"{name}已在党员名册中"})
        if (Development.objects.filter(person=person)
                .exclude(stage__in=[Stage.STOPPED, Stage.FULL]).exists()):
            raise Refusal({"person": f"{name}已在发展程序中"})
    development = Development.objects.create(person=person, name=name, gender=gender, birth_date=birth_date,
                                             organisation=organisation, applied_on=applied_on)
    Step.objects.create(development=development, stage=Stage.APPLICANT, decided_on=applied_on,
                        recorded_by=actor.user)
    record(actor=actor, action="development.applicant.register", obj=development,
           area_path=organisation.area_path, data={"organisation": organisation.pk, "applied_on": str(applied_on)})
    return development


@transaction.atomic
def advance(*, actor: Actor, development: Development, stage: str, decided_on: date, meeting: Meeting | None = None,
            decided_by: str = "", note: str = "") -> Step:
    """Record the next step, decided on ``decided_on`` by ``meeting`` (of the organisation) or the body named in
    ``decided_by``. Reaching 预备党员 admits the person to the organisation that day; reaching 正式党员 sets the
    member's 转正日期."""
    authorise_organisation(actor, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    development = _lock(development)
    return _advance(actor=actor, development=development, stage=stage, decided_on=decided_on, meeting=meeting,
                    decided_by=decided_by, note=note)


def _advance(*, actor, development, stage, decided_on, meeting, decided_by, note) -> Step:
    name = development.name
    decided_by = (decided_by or "").strip()
    if stage == Stage.STOPPED:
        raise ValidationError({"stage": "终止培养请使用“终止培养”，并写明原因"})
    if meeting is not None and meeting.organisation_id != development.organisation_id:
        raise ValidationError({"meeting": f"所选会议不是“{development.organisation}”的会议"})
    if meeting is not None and stage in rules.DECIDING_MEETINGS:
        reason = rules.check_meeting(stage, meeting.kind)
        if reason:
            raise ValidationError({"meeting": f"{name}：{reason}"})
    if meeting is None and not decided_by:
        raise ValidationError({"decided_by": f"{name}：请选择决定会议或填写决定机关（如 支部委员会、上级党委）"})
    refusal = rules.step_refusal(record_of(development), stage)
    if refusal:  # out of order, already there, stopped or full: the state refuses it whatever the day
        raise Refusal({"decided_on": f"{name}：{refusal}"})
    _not_in_future(decided_on, "decided_on", name)
    reason = rules.check_step(record_of(development), stage, decided_on,
                              meeting_on=meeting.held_on if meeting is not None else None)
    if reason:
        raise ValidationError({"decided_on": f"{name}：{reason}"})
    step = Step.objects.create(development=development, stage=stage, decided_on=decided_on, meeting=meeting,
                               decided_by=decided_by, note=note.strip(), recorded_by=actor.user)
    development.stage = stage
    fields = ["stage"]
    if stage == Stage.PROBATIONARY:
        development.member = _admit(actor=actor, organisation=development.organisation, name=name,
                                    gender=development.gender, joined_on=decided_on, person=development.person,
                                    birth_date=development.birth_date)
        fields.append("member")
    elif stage == Stage.FULL:
        member = Member.objects.select_for_update().get(pk=development.member_id)
        if member.left_on is not None:
            raise Refusal({"stage": f"{name}已于 {member.left_on} 离开党组织，不能转为正式党员"})
        member.full_on = decided_on
        member.save(update_fields=["full_on", "updated_at"])
        _sync_person(member)
    development.save(update_fields=fields)
    record(actor=actor, action="development.step.record", obj=step, area_path=development.organisation.area_path,
           data={"development": development.pk, "stage": stage, "decided_on": str(decided_on),
                 "meeting": meeting.pk if meeting else None, "decided_by": decided_by})
    return step


@transaction.atomic
def record_talk(*, actor: Actor, development: Development, talked_on: date, talked_by: str) -> Development:
    """The talk the organisation owes an applicant within a month of the application."""
    authorise_organisation(actor, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    development = _lock(development)
    talked_by = (talked_by or "").strip()
    if not talked_by:
        raise ValidationError({"talked_by": "请填写谈话人"})
    if development.talked_on is not None:
        raise Refusal({"talked_on": f"{development.name}：已于 {development.talked_on} 谈话"})
    _not_in_future(talked_on, "talked_on", development.name)
    if talked_on < development.applied_on:
        raise ValidationError({"talked_on": f"{development.name}：谈话日期 {talked_on} 早于递交申请日期 "
                                            f"{development.applied_on}"})
    development.talked_on, development.talked_by = talked_on, talked_by
    development.save(update_fields=["talked_on", "talked_by"])
    record(actor=actor, action="development.talk.record", obj=development,
           area_path=development.organisation.area_path, data={"talked_on": str(talked_on)})
    return development


@transaction.atomic
def extend_probation(*, actor: Actor, development: Development, months: int, decided_on: date,
                     decided_by: str) -> Development:
    """Extend probation once, by 6 to 12 months, decided when it ends."""
    authorise_organisation(actor, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    development = _lock(development)
    decided_by = (decided_by or "").strip()
    if not decided_by:
        raise ValidationError({"decided_by": "请填写决定机关（如 支部党员大会）"})
    refusal = rules.extension_refusal(record_of(development))
    if refusal:
        raise Refusal({"months": f"{development.name}：{refusal}"})
    _not_in_future(decided_on, "decided_on", development.name)
    reason = rules.check_extension(record_of(development), months, decided_on)
    if reason:
        raise ValidationError({"months": f"{development.name}：{reason}"})
    development.extension_months, development.extended_on = months, decided_on
    development.extended_by = decided_by
    development.save(update_fields=["extension_months", "extended_on", "extended_by"])
    record(actor=actor, action="development.probation.extend", obj=development,
           area_path=development.organisation.area_path, data={"months": months, "decided_on": str(decided_on)})
    return development


@transaction.atomic
def stop(*, actor: Actor, development: Development, decided_on: date, reason: str, decided_by: str) -> Step:
    """终止培养: the development goes no further; the reason is kept with the step."""
    authorise_organisation(actor, caps.RECORD, development.organisation, seen_with=caps.VIEW)
    development = _lock(development)
    reason, decided_by = (reason or "").strip(), (decided_by or "").strip()
    if not reason:
        raise ValidationError({"reason": f"{development.name}：请写明终止培养的原因"})
    if not decided_by:
        raise ValidationError({"decided_by": "请填写决定机关（如 支部委员会）"})
    refused = rules.step_refusal(record_of(development), Stage.STOPPED)
    if refused:
        raise Refusal({"decided_on": f"{development.name}：{refused}"})
    _not_in_future(decided_on, "decided_on", development.name)
    refusal = rules.check_step(record_of(development), Stage.STOPPED, decided_on)
    if refusal:
        raise ValidationError({"decided_on": f"{development.name}：{refusal}"})
    step = Step.objects.create(development=development, stage=Stage.STOPPED, decided_on=decided_on,
                               decided_by=decided_by, note=reason[:300], recorded_by=actor.user)
    development.stage = Stage.STOPPED
    development.save(update_fields=["stage"])
    record(actor=actor, action="development.development.stop", obj=development,
           area_path=development.organisation.area_path, data={"decided_on": str(decided_on), "reason": reason})
    return step


# ---------------------------------------------------------------- Excel import


GENDERS = {"男": "M", "女": "F"}
STEP_COLUMNS = [(Stage.ACTIVIST, "确定积极分子日期"), (Stage.CANDIDATE, "列为发展对象日期"),
                (Stage.PROBATIONARY, "接收预备党员日期"), (Stage.FULL, "转正日期")]
IMPORT_COLUMNS = [
    Column("党组织代码", "organisation", text(40), required=True),
    Column("姓名", "name", text(50), required=True),
    Column("性别", "gender", choice(GENDERS), required=True),
    Column("出生日期", "birth_date", a_date, required=True),
    Column("递交申请日期", "applied_on", a_date, required=True),
    *[Column(header, stage, a_date, default=None) for stage, header in STEP_COLUMNS],
]
IMPORTED_BY = "导入的原始记录"


@dataclass
class _Plan:
    row: int
    organisation: Organisation
    name: str
    gender: str
    birth_date: date
    applied_on: date
    development: Development | None
    person: Person | None
    steps: list[tuple[str, date]]


def _check_row(row: dict, organisation: Organisation, existing: Development | None, person: Person | None,
               errors: list[RowError]) -> list[tuple[str, date]]:
    """The steps a row adds, replayed through the rules; problems appended to ``errors``."""
    n, name, birth, applied = row["_row"], row["name"], row["birth_date"], row["applied_on"]
    today = timezone.localdate()

    def error(column: str, message: str) -> None:
        errors.append(RowError(n, column, f"{name}：{message}"))

    if existing is not None:
        record_ = record_of(existing)
        if existing.applied_on != applied:
            error("递交申请日期", f"已登记递交申请日期为 {existing.applied_on}，与本行的 {applied} 不符")
            return []
    else:
        reason = rules.check_application(birth, applied)
        if reason:
            error("递交申请日期", reason)
        if applied > today:
            error("递交申请日期", f"日期 {applied} 晚于今天")
        if not organisation.exists_on(applied):
            error("递交申请日期", f"{applied} 党组织“{organisation}”尚未成立或已撤销")
        record_ = rules.Record(birth_date=birth, steps={rules.APPLICANT: applied})
    added = []
    missing = None
    for stage, header in STEP_COLUMNS:
        on = row[stage]
        if on is None:
            missing = missing or header
            continue
        if missing:
            error(header, f"{rules.RULE_ORDER}；“{missing}”为空，不能填写“{header}”")
            return []
        if stage in record_.steps:
            if record_.steps[stage] != on:
                error(header, f"已登记为{rules.LABELS[stage]}（{record_.steps[stage]}），与本行的 {on} 不符")
                return []
            continue
        if on > today:
            error(header, f"日期 {on} 晚于今天")
            return []
        reason = rules.check_step(record_, stage, on)
        if reason:
            error(header, reason)
            return []
        if stage == Stage.PROBATIONARY:
            if not organisation.exists_on(on) or organisation.is_cloud_branch:
                error(header, f"{on} 党组织“{organisation}”不能接收预备党员（尚未成立、已撤销或是云支部）")
                return []
            if person is not None and Member.objects.filter(person=person).exists():
                error(header, "已在党员名册中")
                return []
        record_ = rules.Record(birth_date=birth, steps={**record_.steps, stage: on}, talked_on=record_.talked_on,
                               extension_months=record_.extension_months, extended_on=record_.extended_on)
        added.append((stage, on))
    return added


@transaction.atomic
def import_developments(*, actor: Actor, upload) -> int:
    """Applicants and their steps from a spreadsheet (IMPORT_COLUMNS), all rows or none: every row is checked
    against the rules first, and the import is refused (``Rejected``, row by row) before anything is written. A
    row for someone already on the pipeline (same organisation, name and birth date) adds the later steps.
    Answers how many rows were imported."""
    table = read_upload(upload, IMPORT_COLUMNS)
    if table.errors:
        raise Rejected(table.errors)
    errors: list[RowError] = []
    codes = {r["organisation"] for r in table.rows}
    organisations = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    existing = {(d.organisation_id, d.name, d.birth_date): d for d in
                Development.objects.filter(organisation__in=organisations.values()).exclude(stage=Stage.STOPPED)
                .prefetch_related("steps")}
    plans: list[_Plan] = []
    seen: dict[tuple, int] = {}
    for row in table.rows:
        n, name = row["_row"], row["name"]
        organisation = organisations.get(row["organisation"])
        if organisation is None or not (actor.is_system or reaches_organisation(actor.user, caps.RECORD, organisation)):
            errors.append(RowError(n, "党组织代码", f"{name}：党组织代码“{row['organisation']}”不存在或不在您的管辖范围内"))
            continue
        key = (organisation.pk, name, row["birth_date"])
        if key in seen:
            errors.append(RowError(n, "姓名", f"{name}：与第{seen[key]}行重复（同一党组织、姓名、出生日期）"))
            continue
        seen[key] = n
        development = existing.get(key)
        person = development.person if development is not None else None
        if development is None:
            people = list(Person.objects.filter(path__startswith=organisation.area_path, name=name,
                                                birth_date=row["birth_date"], is_active=True)[:2])
            person = people[0] if len(people) == 1 else None
        steps = _check_row(row, organisation, development, person, errors)
        plans.append(_Plan(row=n, organisation=organisation, name=name, gender=row["gender"],
                           birth_date=row["birth_date"], applied_on=row["applied_on"], development=development,
                           person=person, steps=steps))
    if errors:
        raise Rejected(errors)
    for plan in plans:
        try:
            development = plan.development
            if development is None:
                development = _register(actor=actor, organisation=plan.organisation, applied_on=plan.applied_on,
                                        person=plan.person, name=plan.name, gender=plan.gender,
                                        birth_date=plan.birth_date)
            development = _lock(development)
            for stage, on in plan.steps:
                _advance(actor=actor, development=development, stage=stage, decided_on=on, meeting=None,
                         decided_by=IMPORTED_BY, note="")
        except ValidationError as exc:
            raise Rejected([RowError(plan.row, "", f"{plan.name}：{m}") for m in exc.messages]) from None
    return len(plans)
