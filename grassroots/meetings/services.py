"""Writes of the meetings register. Each public function: keyword-only, one transaction, audited.

Who attends. A meeting's attendance lists the members of the organisation on the day it was held
(members.selectors.on_day over Membership rows); a 党小组 keeps no register of its own, so a group's meeting
takes its members from the organisation it belongs to. A member who was not there on that day is refused by
name. Only a member away on a mobile spell (流动党员, MobileMember) that day may attend remotely (线上参加).
"""

import re
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from grassroots.access.scope import authorise_organisation, visible_organisations
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.photos import MAX_PHOTOS, stored_photo
from grassroots.core.refusals import Refusal
from grassroots.core.table_import import Rejected, read_upload
from grassroots.meetings.models import Attendance, Kind, Meeting, MeetingPhoto
from grassroots.members.models import Member, Membership, MobileMember
from grassroots.members.selectors import on_day
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules.tables import Column, RowError, a_date, choice, text

MAX_MINUTES = 20_000
Status = Attendance.Status


class Line(NamedTuple):
    """One member's attendance: their id, 出席 / 请假 / 缺席, and whether they joined online."""
    member_id: int
    status: str
    remote: bool = False


def roll_organisation(organisation: Organisation) -> Organisation:
    """The organisation whose register a meeting's attendance comes from (a group's: its parent's)."""
    if organisation.kind == Organisation.Kind.GROUP and organisation.parent_id:
        return organisation.parent
    return organisation


def members_on(organisation: Organisation, day: date):
    """The members whose attendance a meeting of ``organisation`` on ``day`` records, by name."""
    roll = roll_organisation(organisation)
    return (Member.objects.filter(pk__in=Membership.objects.filter(on_day(day), organisation=roll)
                                  .values("member_id")).order_by("name", "pk"))


def mobile_on(member_ids, day: date) -> set[int]:
    """Which of ``member_ids`` were away on a mobile spell on ``day``."""
    return set(MobileMember.objects.filter(member_id__in=list(member_ids), since__lte=day)
               .exclude(returned_on__lte=day).values_list("member_id", flat=True))


def _check_lines(organisation: Organisation, day: date, lines: Sequence[Line], *, complete: bool) -> list[Line]:
    roll = {m.pk: m for m in members_on(organisation, day)}
    seen: set[int] = set()
    for line in lines:
        if line.status not in Status.values:
            raise ValidationError({"attendance": f"出席情况“{line.status}”应为出席、请假或缺席"})
        if line.member_id in seen:
            name = roll[line.member_id].name if line.member_id in roll else line.member_id
            raise ValidationError({"attendance": f"{name} 重复填写了出席情况"})
        seen.add(line.member_id)
    strangers = [line.member_id for line in lines if line.member_id not in roll]
    if strangers:
        names = dict(Member.objects.filter(pk__in=strangers).values_list("pk", "name"))
        shown = "、".join(names.get(pk, f"编号{pk}") for pk in strangers)
        raise ValidationError({"attendance": f"{shown} 在 {day} 不是{organisation}的党员，不能登记出席情况"})
    if complete:
        missing = [m.name for pk, m in roll.items() if pk not in seen]
        if missing:
            raise ValidationError({"attendance": f"请填写以下党员的出席情况：{'、'.join(missing)}"})
    remote = [line for line in lines if line.remote]
    if remote:
        bad = [line for line in remote if line.status != Status.PRESENT]
        if bad:
            raise ValidationError({"attendance": f"{roll[bad[0].member_id].name}：线上参加须登记为出席"})
        away = mobile_on([line.member_id for line in remote], day)
        not_mobile = [roll[line.member_id].name for line in remote if line.member_id not in away]
        if not_mobile:
            raise ValidationError({"attendance": f"{'、'.join(not_mobile)} 在 {day} 不是流动党员，不能登记线上参加"})
    return list(lines)


def _clean_text(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > max_length:
        raise ValidationError({field: f"{label}不能超过 {max_length} 个字"})
    return value


def _store_photos(meeting: Meeting, photos: Sequence) -> int:
    photos = [p for p in photos if p]
    if meeting.photos.count() + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"每次会议最多 {MAX_PHOTOS} 张照片"})
    for index, photo in enumerate(photos, start=1):
        MeetingPhoto.objects.create(meeting=meeting, image=stored_photo(photo, stem=f"photo{index}", field="photos"))
    return len(photos)


class Prepared(NamedTuple):
    organisation: Organisation
    kind: str
    held_on: date
    place: str
    topic: str
    minutes: str
    lines: list[Line]


def prepare_meeting(*, organisation: Organisation, kind: str, held_on: date, place: str, topic: str,
                    attendance: Sequence[Line], minutes: str = "", today: date | None = None) -> Prepared:
    """Every check of a new meeting, without writing: ValidationError naming the field or the person."""
    today = today or timezone.localdate()
    if kind not in Kind.values:
        raise ValidationError({"kind": f"会议类型“{kind}”不存在"})
    if organisation.is_cloud_branch:
        raise ValidationError({"kind": "云支部的组织生活计入党员所在党组织，请在所在党组织登记"})
    group_only = organisation.kind == Organisation.Kind.GROUP
    if group_only != (kind == Kind.GROUP_MEETING):
        raise ValidationError({"kind": "党小组只登记党小组会" if group_only else "党小组会由党小组登记"})
    if held_on > today:
        raise ValidationError({"held_on": f"会议日期 {held_on} 还没到，不能登记"})
    if held_on < organisation.founded_on:
        raise ValidationError({"held_on": f"会议日期早于{organisation}的成立日期 {organisation.founded_on}"})
    if organisation.dissolved_on is not None and held_on >= organisation.dissolved_on:
        raise Refusal({"held_on": f"{organisation}已于 {organisation.dissolved_on} 撤销"})
    place = _clean_text(place, field="place", label="地点", max_length=100)
    topic = _clean_text(topic, field="topic", label="主题", max_length=200)
    minutes = _clean_text(minutes, field="minutes", label="会议记录", max_length=MAX_MINUTES, required=False)
    lines = _check_lines(organisation, held_on, attendance, complete=True)
    return Prepared(organisation, kind, held_on, place, topic, minutes, lines)


def _write(actor: Actor, prepared: Prepared, photos: Sequence = (), *, source: str = "form") -> Meeting:
    organisation, lines = prepared.organisation, prepared.lines
    meeting = Meeting.objects.create(organisation=organisation, kind=prepared.kind, held_on=prepared.held_on,
                                     place=prepared.place, topic=prepared.topic, minutes=prepared.minutes,
                                     recorded_by=actor.user)
    Attendance.objects.bulk_create([Attendance(meeting=meeting, member_id=line.member_id, status=line.status,
                                               remote=line.remote) for line in lines])
    stored = _store_photos(meeting, photos)
    counts = {s: sum(1 for line in lines if line.status == s) for s in Status.values}
    record(actor=actor, action="meetings.meeting.record", obj=meeting, area_path=organisation.area_path,
           data={"organisation": organisation.pk, "kind": prepared.kind, "held_on": prepared.held_on.isoformat(),
                 **counts, "remote": sum(1 for line in lines if line.remote), "photos": stored, "source": source})
    return meeting


@transaction.atomic
def record_meeting(*, actor: Actor, organisation: Organisation, kind: str, held_on: date, place: str, topic: str,
                   attendance: Sequence[Line], minutes: str = "", photos: Sequence = (),
                   today: date | None = None) -> Meeting:
    """Record a meeting held by ``organisation`` with a status for every member it had on ``held_on``."""
    authorise_organisation(actor, caps.RECORD, organisation, seen_with=caps.VIEW)
    prepared = prepare_meeting(organisation=organisation, kind=kind, held_on=held_on, place=place, topic=topic,
                               attendance=attendance, minutes=minutes, today=today)
    return _write(actor, prepared, photos)


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)


@transaction.atomic
def correct_attendance(*, actor: Actor, meeting: Meeting, attendance: Sequence[Line]) -> Meeting:
    """Change the status of the members named in ``attendance``; a member of the organisation on the day who was
    left off the first time may be added."""
    meeting = _lock(meeting)
    authorise_organisation(actor, caps.RECORD, meeting.organisation, seen_with=caps.VIEW)
    if not attendance:
        raise ValidationError({"attendance": "没有需要更正的出席情况"})
    lines = _check_lines(meeting.organisation, meeting.held_on, attendance, complete=False)
    before = dict(meeting.attendance.values_list("member_id", "status"))
    for line in lines:
        Attendance.objects.update_or_create(meeting=meeting, member_id=line.member_id,
                                            defaults={"status": line.status, "remote": line.remote})
    record(actor=actor, action="meetings.attendance.correct", obj=meeting, area_path=meeting.organisation.area_path,
           data={"changes": [{"member": line.member_id, "from": before.get(line.member_id), "to": line.status,
                              "remote": line.remote} for line in lines]})
    return meeting


@transaction.atomic
def add_minutes(*, actor: Actor, meeting: Meeting, minutes: str = "", photos: Sequence = ()) -> Meeting:
    """Add to the minutes (补记: appended below what is there, never overwriting it) and photos, up to three."""
    meeting = _lock(meeting)
    authorise_organisation(actor, caps.RECORD, meeting.organisation, seen_with=caps.VIEW)
    text = _clean_text(minutes, field="minutes", label="会议记录", max_length=MAX_MINUTES, required=False)
    if not text and not any(photos):
        raise ValidationError({"minutes": "请填写会议记录或上传照片"})
    if text:
        meeting.minutes = f"{meeting.minutes}\n\n{text}" if meeting.minutes else text
        if len(meeting.minutes) > MAX_MINUTES:
            raise ValidationError({"minutes": f"会议记录不能超过 {MAX_MINUTES} 个字"})
        meeting.save(update_fields=["minutes"])
    stored = _store_photos(meeting, photos)
    record(actor=actor, action="meetings.minutes.add", obj=meeting, area_path=meeting.organisation.area_path,
           data={"chars": len(text), "photos": stored})
    return meeting


# ---------------------------------------------------------------------------------------------------------
# Import: a year of meetings typed into Excel, all rows or none (core/table_import.py)
# ---------------------------------------------------------------------------------------------------------

KIND_BY_LABEL = {label: value for value, label in Kind.choices}
IMPORT_COLUMNS = [
    Column("党组织代码", "code", text(40), required=True),
    Column("类型", "kind", choice(KIND_BY_LABEL), required=True),
    Column("日期", "held_on", a_date, required=True),
    Column("地点", "place", text(100), required=True),
    Column("主题", "topic", text(200), required=True),
    Column("出席", Status.PRESENT, text(5000)),
    Column("请假", Status.EXCUSED, text(5000)),
    Column("缺席", Status.ABSENT, text(5000)),
]
IMPORT_EXAMPLE = ["T-SQ", "支部党员大会", "2026-03-05", "嘎查党群服务中心", "学习贯彻全会精神", "乌云毕力格、巴特尔", "", ""]
_HEADER_OF = {"kind": "类型", "held_on": "日期", "place": "地点", "topic": "主题", "attendance": "出席",
              "minutes": "主题"}
_NAMES = re.compile(r"[、，,；;\s]+")


def _names(cell: str) -> list[str]:
    return [n for n in _NAMES.split(cell or "") if n]


def _row_lines(row: dict, organisation: Organisation, errors: list[RowError]) -> list[Line] | None:
    by_name: dict[str, list[int]] = {}
    for member in members_on(organisation, row["held_on"]):
        by_name.setdefault(member.name, []).append(member.pk)
    lines, ok = [], True
    for status, header in ((Status.PRESENT, "出席"), (Status.EXCUSED, "请假"), (Status.ABSENT, "缺席")):
        for name in _names(row[status]):
            found = by_name.get(name, [])
            if not found:
                errors.append(RowError(row["_row"], header,
                                       f"“{name}”在 {row['held_on']} 不是{organisation}的党员"))
                ok = False
            elif len(found) > 1:
                errors.append(RowError(row["_row"], header, f"{organisation}有 {len(found)} 位党员叫“{name}”，"
                                                            "请在页面上逐条登记这次会议"))
                ok = False
            else:
                lines.append(Line(found[0], status))
    return lines if ok else None


@transaction.atomic
def import_meetings(*, actor: Actor, upload, today: date | None = None) -> int:
    """Read the whole file, check every row (organisation code, kind, date, every name), and raise ``Rejected``
    naming each row, column and person before anything is written; then record every row. Answers how many
    meetings were recorded. A meeting already on the register (same organisation, kind and day) is refused, so
    a file uploaded twice records nothing the second time."""
    table = read_upload(upload, IMPORT_COLUMNS)
    if table.errors:
        raise Rejected(table.errors)
    organisations = Organisation.objects.filter(code__in={row["code"] for row in table.rows}).select_related("parent")
    if not actor.is_system:
        organisations = visible_organisations(actor.user, organisations, caps.RECORD)
    by_code = {o.code: o for o in organisations}
    errors: list[RowError] = []
    prepared: list[Prepared] = []
    seen: dict[tuple, int] = {}
    for row in table.rows:
        organisation = by_code.get(row["code"])
        if organisation is None:
            errors.append(RowError(row["_row"], "党组织代码", f"党组织代码“{row['code']}”不存在或不由您管理"))
            continue
        key = (organisation.pk, row["kind"], row["held_on"])
        if key in seen:
            errors.append(RowError(row["_row"], "日期", f"与第{seen[key]}行是同一次会议"))
            continue
        seen[key] = row["_row"]
        if Meeting.objects.filter(organisation=organisation, kind=row["kind"], held_on=row["held_on"]).exists():
            errors.append(RowError(row["_row"], "日期", f"{organisation} {row['held_on']} 的"
                                                        f"{Kind(row['kind']).label}已登记"))
            continue
        if row["held_on"] < organisation.founded_on:  # before members_on, which would find nobody
            errors.append(RowError(row["_row"], "日期", f"会议日期早于{organisation}的成立日期 {organisation.founded_on}"))
            continue
        lines = _row_lines(row, organisation, errors)
        if lines is None:
            continue
        try:
            prepared.append(prepare_meeting(organisation=organisation, kind=row["kind"], held_on=row["held_on"],
                                            place=row["place"], topic=row["topic"], attendance=lines, today=today))
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors += [RowError(row["_row"], _HEADER_OF.get(field, ""), message) for message in messages]
    if errors:
        raise Rejected(errors)
    for one in prepared:
        _write(actor, one, source="import")
    record(actor=actor, action="meetings.meeting.import", object_type="meetings.meeting",
           data={"rows": len(prepared)})
    return len(prepared)
