"""Reads of the meetings register: an organisation's meetings, one meeting with its attendance, and the
compliance view (rules/meetings.py says what each organisation owes)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import ExtractMonth

from grassroots.access.scope import access_scoped, visible_organisations
from grassroots.areas.models import Area
from grassroots.meetings.models import Attendance, Meeting
from grassroots.members.models import Membership, MobileMember
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import meetings as rules


def meetings(user, *, organisation: Organisation | None = None, capability: str = caps.VIEW) -> QuerySet[Meeting]:
    """The meetings the caller may see (of ``organisation`` when given), newest first, with their counts."""
    qs = Meeting.objects.all()
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    qs = visible_organisations(user, qs, capability, via="organisation__")
    return (qs.select_related("organisation")
            .annotate(present=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT)),
                      excused=Count("attendance", filter=Q(attendance__status=Attendance.Status.EXCUSED)),
                      absent=Count("attendance", filter=Q(attendance__status=Attendance.Status.ABSENT)),
                      remote=Count("attendance", filter=Q(attendance__remote=True)),
                      photo_count=Count("photos", distinct=True))
            .order_by("-held_on", "-id"))


def meeting(user, pk: int, *, capability: str = caps.VIEW) -> Meeting:
    """One meeting with its attendance (by name) and photos; 404 when missing or not the caller's."""
    qs = visible_organisations(user, Meeting.objects.all(), capability, via="organisation__")
    return access_scoped(qs.select_related("organisation", "organisation__parent", "recorded_by").prefetch_related(
        Prefetch("attendance", Attendance.objects.select_related("member").order_by("member__name", "member_id")),
        "photos"), pk=pk)


def mobile_member_ids(meeting: Meeting) -> set[int]:
    """Members of the meeting's attendance who were on a mobile spell that day."""
    return set(MobileMember.objects.filter(member__attendance__meeting=meeting, since__lte=meeting.held_on)
               .exclude(returned_on__lte=meeting.held_on).values_list("member_id", flat=True))


# ---------------------------------------------------------------------------------------------------------
# Compliance
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    period: rules.Period
    status: str

    @property
    def label(self) -> str:
        return rules.STATUS_LABELS[self.status]


@dataclass
class KindRow:
    kind: str
    label: str
    frequency: str
    cells: list[Cell]
    totals: dict[str, int]


@dataclass
class OrganisationRow:
    organisation: Organisation
    kinds: list[KindRow]
    totals: dict[str, int]


@dataclass
class AreaRow:
    area: Area
    own_level: bool  # the organisations sitting in the asked area itself (its 党委, units' branches)
    organisations: list[OrganisationRow] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=lambda: rules.tally(()))


@dataclass
class Compliance:
    area: Area
    year: int
    today: date
    organisations: list[OrganisationRow]  # every organisation seen that owes something, in tree order
    areas: list[AreaRow]  # rolled up per child area of ``area`` (and the area's own level first)
    totals: dict[str, int]


def _add(into: dict[str, int], more: dict[str, int]) -> None:
    for key, value in more.items():
        into[key] += value


def compliance(user, *, area: Area, year: int, today: date) -> Compliance:
    """For every organisation the caller may see within ``area``, every kind it owes and every period of
    ``year``: held / due / overdue / upcoming / not owed, with totals per organisation and per child area.

    Three queries whatever the number of organisations: the child areas, the organisations (with whether each
    keeps members of its own during the year), and the (organisation, kind, month) set of meetings held,
    grouped in the database."""
    organisations = visible_organisations(
        user, Organisation.objects.filter(area_path__startswith=area.path), caps.VIEW)
    result = organisation_rows(organisations.select_related("area"), year=year, today=today)
    children = list(Area.objects.filter(parent=area).order_by("code"))
    own = AreaRow(area=area, own_level=True)
    by_child = {child.path: AreaRow(area=child, own_level=False) for child in children}
    totals = rules.tally(())
    for row in result:
        _add(totals, row.totals)
        rest = row.organisation.area_path[len(area.path):]
        target = by_child.get(area.path + rest.split("/", 1)[0] + "/", own) if rest else own
        target.organisations.append(row)
        _add(target.totals, row.totals)
    areas = [a for a in [own, *by_child.values()] if a.organisations]
    return Compliance(area=area, year=year, today=today, organisations=result, areas=areas, totals=totals)


def organisation_rows(organisations: QuerySet[Organisation], *, year: int, today: date) -> list[OrganisationRow]:
    """Every organisation of ``organisations`` that owes something in ``year``, in tree order, with each kind it
    owes, each period's status as of ``today`` (rules/meetings.py) and its totals: two queries (the organisations,
    and the meetings held grouped by organisation, kind and month). The compliance view and the dashboard's
    party figures both count with it."""
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    own_members = Membership.objects.filter(organisation=OuterRef("pk"), started_on__lte=year_end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=year_start))
    # Those that may owe something in the year: not cloud branches, founded by its end, not dissolved before it.
    organisations = (organisations.filter(is_cloud_branch=False, founded_on__lte=year_end)
                     .exclude(dissolved_on__lte=year_start))
    rows = list(organisations.annotate(has_own_members=Exists(own_members)).order_by("path"))
    held: dict[tuple[int, str], set[int]] = defaultdict(set)
    # As of ``today``: a meeting held after it was not held yet on that day.
    held_rows = (Meeting.objects.filter(organisation__in=organisations.values("pk"), held_on__gte=year_start,
                                        held_on__lte=min(year_end, today))
                 .annotate(month=ExtractMonth("held_on")).values("organisation_id", "kind", "month")
                 .annotate(n=Count("id")).order_by())
    for r in held_rows:
        held[(r["organisation_id"], r["kind"])].add(r["month"])
    result: list[OrganisationRow] = []
    for organisation in rows:
        owed = rules.rhythm(organisation.kind, is_cloud_branch=organisation.is_cloud_branch,
                            has_own_members=organisation.has_own_members)
        if not owed:
            continue
        kinds = []
        org_totals = rules.tally(())
        for kind, frequency in owed:
            cells = rules.statuses(year=year, frequency=frequency, held_months=held.get((organisation.pk, kind), ()),
                                   founded_on=organisation.founded_on, dissolved_on=organisation.dissolved_on,
                                   today=today)
            kind_totals = rules.tally(s for _, s in cells)
            kinds.append(KindRow(kind=kind, label=rules.KIND_LABELS[kind], frequency=frequency,
                                 cells=[Cell(p, s) for p, s in cells],
                                 totals=kind_totals))
            _add(org_totals, kind_totals)
        result.append(OrganisationRow(organisation=organisation, kinds=kinds, totals=org_totals))
    return result


def export_rows(user, *, organisation: Organisation, year: int):
    """(meeting, [出席 names, 请假 names, 缺席 names]) for each meeting of ``organisation`` in ``year``, oldest
    first; the names joined by 、 as the import reads them. Two queries."""
    qs = (meetings(user, organisation=organisation).filter(held_on__year=year).order_by("held_on", "id")
          .prefetch_related(Prefetch("attendance", Attendance.objects.select_related("member")
                                     .order_by("member__name", "member_id"))))
    for m in qs:
        names = {s: [] for s in Attendance.Status.values}
        for a in m.attendance.all():
            names[a.status].append(a.member.name)
        yield m, ["、".join(names[s]) for s in Attendance.Status.values]
