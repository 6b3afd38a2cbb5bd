"""Reads of the development pipeline. A person's stage on day D is the stage of their latest step decided on or
before D, so the pipeline and the reserve register can be asked for any past day."""

from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from grassroots.access.scope import visible_organisations
from grassroots.development.models import Development, Stage, Step
from grassroots.party import capabilities as caps

# 发展党员人选储备: the activists and the candidates (发展对象) being trained.
RESERVE_STAGES = (Stage.ACTIVIST, Stage.CANDIDATE)


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
