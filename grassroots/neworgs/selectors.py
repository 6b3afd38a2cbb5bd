"""Reads of the 两新 census and the four registers (四本台账). Every read is "as of" a day: an organisation is in the
census from ``registered_on`` until ``closed_on``; its figures on a day are those of its latest census return on or
before it; a coverage or a dispatch counts on the days of its half-open span. Lists are annotated in one query
(the latest return and the covering organisation as Subqueries), never looked up per row.

Scoping: a 两新 organisation and an instructor carry their area's ``path``; ``access.scope.visible`` with
``party.capabilities.VIEW`` narrows them. The reserve register goes through development.selectors, which scopes
developments by their organisation.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from grassroots.access.scope import access_object, scope_of, visible, visible_organisations
from grassroots.areas.models import Area, Level
from grassroots.development.models import Development
from grassroots.development.selectors import reserve_register
from grassroots.members.selectors import on_day
from grassroots.neworgs.models import (
    QUALIFYING_FULL_MEMBERS,
    CensusReturn,
    Coverage,
    Dispatch,
    Instructor,
    NewOrganisation,
)
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules.neworgs import year_start

NEW_ORGANISATION_HOSTS = (Organisation.Host.ENTERPRISE, Organisation.Host.SOCIAL)


def default_area(user, capability: str = caps.VIEW) -> Area | None:
    """The area the pages open on: the outermost area where the caller holds ``capability``."""
    paths = scope_of(user).paths(capability)
    if paths == [""]:
        return Area.objects.filter(parent__isnull=True).order_by("code").first()
    return Area.objects.filter(path__in=paths).order_by("path").first() if paths else None


def areas_for_census(user) -> QuerySet[Area]:
    """Townships, villages and counties where the caller may register a 两新 organisation."""
    return visible(user, Area.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]),
                   caps.MANAGE).order_by("path")


def covering_organisations(user) -> QuerySet[Organisation]:
    """The party organisations built in enterprises and social organisations, not dissolved, that the caller sees."""
    return visible_organisations(user, Organisation.objects.filter(host__in=NEW_ORGANISATION_HOSTS,
                                                                   dissolved_on__isnull=True), caps.VIEW)


def open_on(day: date) -> Q:
    """两新 organisations in the census on ``day``."""
    return Q(registered_on__lte=day) & (Q(closed_on__isnull=True) | Q(closed_on__gt=day))


def with_figures(queryset: QuerySet[NewOrganisation], day: date) -> QuerySet[NewOrganisation]:
    """``queryset`` annotated with its figures of ``day``: the latest census return on or before it
    (``counted_on``, ``employees``, ``full_members``, ``probationary_members``; None without one), ``qualifies``,
    and the organisation covering it that day (``covering_id``, ``covering_name``, ``covering_code``,
    ``covering_founded``; None when uncovered)."""
    latest = CensusReturn.objects.filter(new_organisation=OuterRef("pk"), counted_on__lte=day).order_by("-counted_on")
    covering = Coverage.objects.filter(on_day(day), new_organisation=OuterRef("pk")).order_by("-started_on")
    return queryset.annotate(
        counted_on=Subquery(latest.values("counted_on")[:1]),
        employees=Subquery(latest.values("employees")[:1]),
        full_members=Subquery(latest.values("full_members")[:1]),
        probationary_members=Subquery(latest.values("probationary_members")[:1]),
        covering_id=Subquery(covering.values("organisation_id")[:1]),
        covering_name=Subquery(covering.values("organisation__name")[:1]),
        covering_code=Subquery(covering.values("organisation__code")[:1]),
        covering_founded=Subquery(covering.values("organisation__founded_on")[:1]),
        covered_since=Subquery(covering.values("started_on")[:1]),
    ).annotate(qualifies=Case(When(full_members__gte=QUALIFYING_FULL_MEMBERS, then=Value(True)), default=Value(False),
                              output_field=BooleanField()))


def census_on(user, *, day: date, area: Area | None = None) -> QuerySet[NewOrganisation]:
    """The census as it stood on ``day`` (within ``area`` when given), as far as the caller sees it."""
    organisations = visible(user, NewOrganisation.objects.filter(open_on(day)), caps.VIEW)
    if area is not None:
        organisations = organisations.filter(path__startswith=area.path)
    return organisations


def census_list(user, *, day: date, area: Area | None = None, kind: str = "", qualifies: bool | None = None,
                covered: bool | None = None, search: str = "") -> QuerySet[NewOrganisation]:
    """The census page and export: one row per organisation with its figures and the instructors serving it on
    ``day`` (``dispatches_on``, prefetched)."""
    rows = with_figures(census_on(user, day=day, area=area), day).select_related("area")
    if kind:
        rows = rows.filter(kind=kind)
    if search:
        rows = rows.filter(Q(name__icontains=search) | Q(credit_code__iexact=search) | Q(industry__icontains=search))
    if qualifies is not None:
        rows = rows.filter(qualifies=qualifies)
    if covered is not None:
        rows = rows.filter(covering_id__isnull=not covered)
    return rows.prefetch_related(Prefetch(
        "dispatches", queryset=Dispatch.objects.filter(on_day(day)).select_related("instructor").order_by("started_on"),
        to_attr="dispatches_on")).order_by("path", "name", "pk")


@dataclass(frozen=True)
class Figures:
    in_census: int  # 纳入台账
    qualifying: int  # 有党员且符合组建条件 (latest return: ≥ QUALIFYING_FULL_MEMBERS full members)
    covered: int  # 建立了党组织 (covered on the day)
    covering_organisations: int  # 党组织 (distinct: a joint branch counts once)
    uncovered_qualifying: int  # 应建未建


@dataclass(frozen=True)
class FourRegisters:
    """The four registers of ``area`` as they stood on ``day``. Each list is a lazy queryset: a page caps it, the
    API pages it, the workbook streams it; none queries per row."""

    area: Area
    day: date
    figures: Figures
    built: QuerySet[NewOrganisation]  # 已建立党组织名册: covered organisations with their covering organisation
    reserve: QuerySet[Development]  # 发展党员人选储备名册
    dispatched: QuerySet[Dispatch]  # 党建工作指导员选派名册
    newly_built: QuerySet[Organisation]  # 新建党组织名册: founded this year up to the day
    gap: QuerySet[NewOrganisation]  # qualifying and not covered: the gap to close


def four_registers(user, *, area: Area, day: date) -> FourRegisters:
    """CONTRACT: the four registers (四本台账) and the census figures of ``area`` on ``day``, as far as the caller
    sees. Constant in queries: the figures are one aggregate, each register one query when read."""
    census = census_on(user, day=day, area=area)
    annotated = with_figures(census, day)
    counted = annotated.aggregate(
        in_census=Count("pk"),
        qualifying=Count("pk", filter=Q(full_members__gte=QUALIFYING_FULL_MEMBERS)),
        covered=Count("pk", filter=Q(covering_id__isnull=False)),
        covering_organisations=Count("covering_id", distinct=True),
        uncovered_qualifying=Count("pk", filter=Q(full_members__gte=QUALIFYING_FULL_MEMBERS, covering_id__isnull=True)),
    )
    figures = Figures(**{k: v or 0 for k, v in counted.items()})
    coverages_on_day = Coverage.objects.filter(on_day(day), new_organisation__in=census.values("pk"))
    joint = (Coverage.objects.filter(on_day(day), organisation=OuterRef("covering_id")).order_by()
             .values("organisation").annotate(n=Count("pk")).values("n"))
    built = (annotated.filter(covering_id__isnull=False).select_related("area")
             .annotate(covering_count=Coalesce(Subquery(joint[:1], output_field=IntegerField()), 1))
             .order_by("covering_code", "covering_name", "path", "name", "pk"))
    reserve = reserve_register(user, day=day, organisations=Organisation.objects.filter(
        Q(pk__in=coverages_on_day.values("organisation")) | Q(host__in=NEW_ORGANISATION_HOSTS,
                                                              area_path__startswith=area.path)))
    dispatched = (Dispatch.objects.filter(on_day(day), new_organisation__in=census.values("pk"))
                  .select_related("instructor", "new_organisation").order_by("new_organisation__path",
                                                                             "new_organisation__name", "started_on", "pk"))
    founded = Organisation.objects.filter(host__in=NEW_ORGANISATION_HOSTS, founded_on__gte=year_start(day),
                                          founded_on__lte=day)
    covering_ever = Coverage.objects.filter(new_organisation__in=census.values("pk"), started_on__lte=day)
    newly_built = (founded.filter(Q(pk__in=covering_ever.values("organisation"))
                                  | Q(pk__in=visible_organisations(user, founded, caps.VIEW)
                                      .filter(area_path__startswith=area.path).values("pk")))
                   .select_related("parent").order_by("founded_on", "path"))
    gap = (annotated.filter(full_members__gte=QUALIFYING_FULL_MEMBERS, covering_id__isnull=True)
           .select_related("area").order_by("-full_members", "path", "name", "pk"))
    return FourRegisters(area=area, day=day, figures=figures, built=built, reserve=reserve, dispatched=dispatched,
                         newly_built=newly_built, gap=gap)


def new_organisation_detail(user, pk: int) -> NewOrganisation:
    """One 两新 organisation the caller sees (404 otherwise) with its returns, coverages and dispatches."""
    return access_object(user, NewOrganisation.objects.select_related("area").prefetch_related(
        Prefetch("returns", queryset=CensusReturn.objects.order_by("-counted_on")),
        Prefetch("coverages", queryset=Coverage.objects.select_related("organisation").order_by("-started_on")),
        Prefetch("dispatches", queryset=Dispatch.objects.select_related("instructor").order_by("-started_on", "-pk")),
    ), capability=caps.VIEW, pk=pk)


def instructor_pool(user, *, day: date, area: Area | None = None) -> QuerySet[Instructor]:
    """The instructors in the pool on ``day`` with the dispatches they serve that day (``dispatches_on``)."""
    instructors = visible(user, Instructor.objects.filter(
        Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))), caps.VIEW)
    if area is not None:
        instructors = instructors.filter(path__startswith=area.path)
    return instructors.prefetch_related(Prefetch(
        "dispatches", queryset=Dispatch.objects.filter(on_day(day)).select_related("new_organisation")
        .order_by("started_on"), to_attr="dispatches_on")).order_by("path", "name", "pk")
