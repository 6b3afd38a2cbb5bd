"""Reads of the development pipeline. A person's stage on day D is the stage of their latest step decided on or
before D, so the pipeline, the due list and the reserve register can be asked for any past day."""

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from grassroots.access.scope import access_scoped, scope_of, visible_organisations
from grassroots.development.models import Development, Stage, Step
from grassroots.party import capabilities as caps
from grassroots.party.models import Organisation
from grassroots.rules import development as rules

# 发展党员人选储备: the activists and the candidates (发展对象) being trained.
RESERVE_STAGES = (Stage.ACTIVIST, Stage.CANDIDATE)
PIPELINE_STAGES = (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY, Stage.FULL, Stage.STOPPED)


def with_stage_on(queryset: QuerySet[Development], day: date) -> QuerySet[Development]:
    """``queryset`` annotated with ``stage_on`` (the stage held on ``day``, None before the application) and
    ``stage_since`` (the day that stage was reached)."""
    latest = Step.objects.filter(development=OuterRef("pk"), decided_on__lte=day).order_by("-decided_on", "-id")
    return queryset.annotate(stage_on=Subquery(latest.values("stage")[:1]),
                             stage_since=Subquery(latest.values("decided_on")[:1]))


def reserve_register(user, *, day: date, organisations: QuerySet | None = None) -> QuerySet[Development]:
    """The reserve register as it stood on ``day``: developments the caller may see (within ``organisations``
    when given) whose stage that day was activist or candidate."""
    developments = Development.objects.all()
    if organisations is not None:
        developments = developments.filter(organisation__in=organisations)
    developments = visible_organisations(user, developments, caps.VIEW, via="organisation__")
    return (with_stage_on(developments, day).filter(stage_on__in=RESERVE_STAGES)
            .select_related("organisation").order_by("organisation__path", "stage_since", "pk"))


# ---------------------------------------------------------------- one development


def record_of(development: Development) -> rules.Record:
    """The development as the pure rules see it (uses prefetched steps when there are)."""
    return rules.Record(birth_date=development.birth_date,
                        steps={s.stage: s.decided_on for s in development.steps.all()},
                        talked_on=development.talked_on, extension_months=development.extension_months,
                        extended_on=development.extended_on)


def sees_any(user) -> bool:
    """Whether the caller sees any party organisation at all (a grid worker does not)."""
    return bool(scope_of(user).paths(caps.VIEW))


def developments_for(user, capability: str = caps.VIEW) -> QuerySet[Development]:
    return visible_organisations(user, Development.objects.all(), capability, via="organisation__")


def _steps() -> Prefetch:
    return Prefetch("steps", queryset=Step.objects.select_related("meeting").order_by("decided_on", "id"))


def development_for(user, pk: int, capability: str = caps.VIEW) -> Development:
    """One development the caller may see; 404 for missing and not-yours alike."""
    queryset = developments_for(user, capability).select_related("organisation", "member", "person")
    return access_scoped(queryset.prefetch_related(_steps()), pk=pk)


# ---------------------------------------------------------------- the pipeline and what is due


@dataclass
class Row:
    """A development as it stood on a day, with what comes next and what is due."""
    development: Development
    stage: str
    since: date
    next: rules.Next | None
    deadlines: list[rules.Deadline]
    overdue: list[rules.Deadline]
    soon: list[rules.Deadline]


def organisations_in(user, *, area=None, organisation: Organisation | None = None,
                     capability: str = caps.VIEW) -> QuerySet[Organisation]:
    """Organisations the caller reaches, within ``area`` or under ``organisation`` when given."""
    organisations = visible_organisations(user, Organisation.objects.all(), capability)
    if area is not None:
        organisations = organisations.filter(area_path__startswith=area.path)
    if organisation is not None:
        organisations = organisations.filter(path__startswith=organisation.path)
    return organisations


def pipeline_developments(user, *, day: date, organisations: QuerySet | None = None,
                          stage: str | None = None) -> QuerySet[Development]:
    """The developments the caller may see that had applied by ``day`` (within ``organisations`` when given; at
    ``stage`` that day when given), by organisation, then the day their stage was reached; steps prefetched."""
    developments = developments_for(user)
    if organisations is not None:
        developments = developments.filter(organisation__in=organisations)
    developments = with_stage_on(developments, day).filter(stage_on__isnull=False)
    if stage:
        developments = developments.filter(stage_on=stage)
    return (developments.select_related("organisation").prefetch_related(_steps())
            .order_by("organisation__path", "stage_since", "pk"))


def pipeline(user, *, day: date, organisations: QuerySet | None = None, stage: str | None = None) -> list[Row]:
    """``pipeline_developments`` as rows as they stood on ``day``. Three queries, whatever the number of rows."""
    return [row_of(d, day) for d in pipeline_developments(user, day=day, organisations=organisations, stage=stage)]


def row_of(development: Development, day: date) -> Row:
    record = record_of(development).as_of(day)
    stage = record.stage
    return Row(development=development, stage=stage, since=record.steps[stage] if stage else None,
               next=rules.next_step(record), deadlines=rules.deadlines(record),
               overdue=rules.overdue_on(record, day), soon=rules.due_within(record, day))


def by_stage(rows: list[Row]) -> list[tuple[str, str, list[Row]]]:
    """(stage, label, rows) for every stage of the pipeline, empty ones included."""
    return [(s.value, s.label, [r for r in rows if r.stage == s.value]) for s in PIPELINE_STAGES]


@dataclass
class DueItem:
    development: Development
    deadline: rules.Deadline
    overdue: bool


def due_list(rows: list[Row]) -> list[tuple[Organisation, list[DueItem]]]:
    """What is overdue on the rows' day and what falls due within 30 days, by organisation, most urgent first."""
    grouped: dict[int, tuple[Organisation, list[DueItem]]] = {}
    for row in rows:
        items = [DueItem(row.development, d, True) for d in row.overdue]
        items += [DueItem(row.development, d, False) for d in row.soon]
        if items:
            organisation = row.development.organisation
            grouped.setdefault(organisation.pk, (organisation, []))[1].extend(items)
    out = []
    for organisation, items in grouped.values():
        items.sort(key=lambda i: (i.deadline.due, i.development.pk))
        out.append((organisation, items))
    return out
