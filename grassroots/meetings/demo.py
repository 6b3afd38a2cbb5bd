"""The demo county's 三会一课 for 2026-01 to 2026-11, with attendance, and deliberate gaps so the compliance view
shows something real: every fifth village misses two months of its monthly meetings, one township (the second by
code, not 乌丹镇) is clearly behind (about half its meetings missing), and the fourth quarter's 支部党员大会 is left
for December everywhere (due on the demo's day). Branches and groups whose register is empty (the units' and
两新 branches: no resident is on them) have nothing recorded and show overdue.

Idempotent: a second run finds meetings of the demo's organisations and changes nothing."""

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone

from grassroots.areas.models import Area, Level
from grassroots.audit.context import Actor
from grassroots.audit.services import record
from grassroots.core.demo import COUNTY, WUDAN
from grassroots.meetings.models import Attendance, Kind, Meeting
from grassroots.members.models import Membership, MobileMember
from grassroots.party.models import Organisation

YEAR = 2026
LAST_MONTH = 11
# kind → the months it is held in (the 支部党员大会 of the fourth quarter is left for December)
BRANCH_PLAN = {Kind.BRANCH_COMMITTEE: range(1, 12), Kind.THEME_DAY: range(1, 12),
               Kind.BRANCH_ASSEMBLY: (3, 6, 9), Kind.PARTY_LECTURE: (2, 5, 8, 11)}
GROUP_PLAN = {Kind.GROUP_MEETING: range(1, 12)}
TOPICS = {
    Kind.BRANCH_COMMITTEE: ["研究本月党建工作和村级重点事项", "讨论积分评议初审结果", "研究发展党员和入党积极分子培养"],
    Kind.THEME_DAY: ["重温入党誓词，开展环境整治志愿服务", "学习党章，走访慰问困难党员", "铸牢中华民族共同体意识主题学习"],
    Kind.BRANCH_ASSEMBLY: ["通报季度党建工作，民主评议党员", "审议村级重大事项“四议两公开”", "讨论接收预备党员"],
    Kind.PARTY_LECTURE: ["书记讲党课：抓党建促乡村振兴", "学习贯彻党的二十届四中全会精神", "党纪学习教育专题党课"],
    Kind.GROUP_MEETING: ["学习上级文件，收集网格群众诉求", "党员联系户情况交流", "讨论网格积分申报"],
}


def _skipped(org_index: int, kind_index: int, month: int, *, village_gap: bool, behind: bool) -> bool:
    if behind and (org_index * 3 + kind_index * 5 + month * 7) % 10 < 5:
        return True
    return village_gap and month in (1 + org_index % 11, 1 + (org_index + 4) % 11) and kind_index != 2


def _status(member_id: int, month: int, kind_index: int) -> str:
    n = (member_id * 7 + month * 3 + kind_index * 11) % 20
    return Attendance.Status.ABSENT if n == 0 else Attendance.Status.EXCUSED if n < 3 else Attendance.Status.PRESENT


@transaction.atomic
def load_demo_meetings(*, actor: Actor) -> None:
    county = Area.objects.filter(code=COUNTY).first()
    if county is None:
        return
    organisations = list(Organisation.objects.filter(area_path__startswith=county.path, is_cloud_branch=False,
                                                     dissolved_on__isnull=True,
                                                     kind__in=[Organisation.Kind.BRANCH, Organisation.Kind.GROUP,
                                                               Organisation.Kind.COMMITTEE])
                         .select_related("area").order_by("path"))
    if not organisations or Meeting.objects.filter(organisation__in=organisations).exists():
        return
    townships = list(Area.objects.filter(parent=county, level=Level.TOWNSHIP).exclude(code=WUDAN).order_by("code"))
    behind_path = townships[0].path if townships else None
    # One query for every register, one for the mobile spells: who belongs where over the year.
    rolls: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for org_id, member_id, started, ended in Membership.objects.filter(
            organisation__in=organisations, started_on__lte=date(YEAR, 12, 31)).values_list(
            "organisation_id", "member_id", "started_on", "ended_on"):
        rolls[org_id].append((member_id, started, ended))
    mobile = defaultdict(list)
    for member_id, since, returned in MobileMember.objects.values_list("member_id", "since", "returned_on"):
        mobile[member_id].append((since, returned))
    today = timezone.localdate()
    planned = []  # (meeting, [(member_id, status, remote)])
    for index, organisation in enumerate(organisations):
        group = organisation.kind == Organisation.Kind.GROUP
        roll = rolls.get(organisation.parent_id if group else organisation.pk, [])
        if not roll or (organisation.kind == Organisation.Kind.COMMITTEE and organisation.area.level != Level.VILLAGE):
            continue  # township 党委s keep no members of their own; empty registers record nothing
        village_gap = index % 5 == 0
        behind = behind_path is not None and organisation.area_path.startswith(behind_path)
        for kind_index, (kind, months) in enumerate((GROUP_PLAN if group else BRANCH_PLAN).items()):
            for month in months:
                held_on = date(YEAR, month, 3 + (organisation.pk + kind_index * 5) % 24)
                if held_on < organisation.founded_on or held_on > today or month > LAST_MONTH:
                    continue
                if _skipped(index, kind_index, month, village_gap=village_gap, behind=behind):
                    continue
                lines = []
                for member_id, started, ended in roll:
                    if started <= held_on and (ended is None or held_on < ended):
                        status = _status(member_id, month, kind_index)
                        away = any(s <= held_on and (r is None or held_on < r) for s, r in mobile.get(member_id, ()))
                        lines.append((member_id, status, away and status == Attendance.Status.PRESENT))
                topics = TOPICS[kind]
                place = f"{organisation.area.name}党群服务中心"
                planned.append((Meeting(organisation=organisation, kind=kind, held_on=held_on, place=place[:100],
                                        topic=topics[(index + month) % len(topics)],
                                        minutes=f"应到{len(lines)}人，会议由书记主持。"), lines))
    # bulk_create: the demo writes some ten thousand meetings and their attendance at once; record_meeting would
    # check and audit each one (minutes of work). The rows are built from the registers just read, so they keep
    # the service's rules (attendance only of members on the day, remote only for mobile members present).
    created = Meeting.objects.bulk_create([m for m, _ in planned], batch_size=1000)
    Attendance.objects.bulk_create(
        [Attendance(meeting=meeting, member_id=member_id, status=status, remote=remote)
         for meeting, (_, lines) in zip(created, planned, strict=True) for member_id, status, remote in lines],
        batch_size=2000)
    record(actor=actor, action="meetings.demo.load", object_type="meetings.meeting", area_path=county.path,
           data={"meetings": len(created)})
