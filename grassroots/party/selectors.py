"""Reads of the organisation tree, shared by the pages, the API and the export. Every read is scoped to the caller
(access.scope.visible_organisations) and can be asked "as of" a day: member counts count the memberships that
covered the day, and an organisation's status is the one it had that day (rules/party_tree.status_on)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from grassroots.access.scope import access_organisation, access_scoped, visible_organisations
from grassroots.areas.models import Area
from grassroots.members.selectors import on_day
from grassroots.party import capabilities as caps
from grassroots.party.models import ModelBranchEvidence, ModelBranchItem, Organisation, Rectification
from grassroots.rules import party_tree

STATUS_LABELS = dict(Organisation.Status.choices)


def weak_on(day: date, *, prefix: str = "") -> Q:
    """Rectifications (or, with ``prefix``, rows reached through one) that cover ``day``: found weak on or before
    it and not accepted by then."""
    return Q(**{f"{prefix}identified_on__lte": day}) & (Q(**{f"{prefix}completed_on__isnull": True})
                                                       | Q(**{f"{prefix}completed_on__gt": day}))


def with_day(organisations: QuerySet, day: date) -> QuerySet:
    """``organisations`` with ``member_count`` (memberships covering ``day``) and ``weak_that_day``, in one query."""
    weak = Rectification.objects.filter(weak_on(day), organisation=OuterRef("pk"))
    return organisations.annotate(
        member_count=Count("memberships", filter=on_day(day, prefix="memberships__")),
        weak_that_day=Exists(weak),
    )


def status_on(organisation: Organisation, day: date) -> str:
    """The status ``organisation`` had on ``day``; uses ``weak_that_day`` when with_day annotated it."""
    weak = getattr(organisation, "weak_that_day", None)
    if weak is None:
        weak = organisation.rectifications.filter(weak_on(day)).exists()
    return party_tree.status_on(day, dissolved_on=organisation.dissolved_on,
                                weak_spans=[(day, None)] if weak else [])


def _dress(organisation: Organisation, day: date, top: int) -> Organisation:
    organisation.status_that_day = status_on(organisation, day)
    organisation.status_that_day_label = STATUS_LABELS[organisation.status_that_day]
    organisation.depth = party_tree.depth(organisation.path) - top
    return organisation


def tree(user, *, day: date, q: str = "", capability: str = caps.VIEW, area: Area | None = None) -> list[Organisation]:
    """The organisations the caller reaches that existed by ``day`` (founded on or before it; a dissolved one shows
    as dissolved), in tree order, each with ``member_count``, ``status_that_day`` and ``depth`` (0 for the caller's
    top ones). ``q`` keeps those whose name contains it; ``area`` those sitting in it (by ``area_path``). One query."""
    rows = list(tree_rows(user, day=day, q=q, capability=capability, area=area))
    top = min((party_tree.depth(o.path) for o in rows), default=0)
    return [_dress(o, day, top) for o in rows]


def tree_rows(user, *, day: date, q: str = "", capability: str = caps.VIEW,
              area: Area | None = None) -> QuerySet[Organisation]:
    """What ``tree`` lists, as a query to slice (the API pages it); ``dressed`` finishes a slice."""
    organisations = visible_organisations(user, Organisation.objects.filter(founded_on__lte=day), capability)
    if area is not None:
        organisations = organisations.filter(area_path__startswith=area.path)
    if q:
        organisations = organisations.filter(name__icontains=q)
    return with_day(organisations.select_related("area", "parent"), day).order_by("path")


def dressed(rows, day: date) -> list[Organisation]:
    return [_dress(o, day, 0) for o in rows]


def organisation_for(user, pk: int, *, capability: str = caps.VIEW) -> Organisation:
    """One organisation the caller reaches (404 otherwise)."""
    return access_organisation(user, pk=pk, capability=capability)


def organisation_on(user, pk: int, *, day: date) -> Organisation:
    """One organisation with its member count and status as of ``day`` (404 when not the caller's)."""
    organisations = visible_organisations(user, Organisation.objects.select_related("area", "parent"), caps.VIEW)
    organisation = access_scoped(with_day(organisations, day), pk=pk)
    return _dress(organisation, day, party_tree.depth(organisation.path))


def children(user, organisation: Organisation, *, day: date) -> list[Organisation]:
    rows = visible_organisations(user, organisation.children.select_related("area"), caps.VIEW)
    top = party_tree.depth(organisation.path) + 1
    return [_dress(o, day, top) for o in with_day(rows, day).order_by("path")]


def rectifications_of(organisation: Organisation) -> QuerySet[Rectification]:
    return organisation.rectifications.select_related("recorded_by").order_by("-identified_on", "-id")


def rectifications(user, *, day: date | None = None, open_only: bool = False,
                   area: Area | None = None) -> QuerySet[Rectification]:
    """Rectifications of the caller's organisations (sitting in ``area`` when given): those covering ``day`` (the
    weak organisations of that day), or the open ones."""
    rows = visible_organisations(user, Rectification.objects.select_related("organisation", "organisation__parent"),
                                 caps.VIEW, via="organisation__")
    if area is not None:
        rows = rows.filter(organisation__area_path__startswith=area.path)
    if open_only:
        rows = rows.filter(completed_on__isnull=True)
    if day is not None:
        rows = rows.filter(weak_on(day))
    return rows.order_by("organisation__path", "-identified_on")


def rectification_for(user, pk: int) -> Rectification:
    rows = visible_organisations(user, Rectification.objects.select_related("organisation"), caps.VIEW,
                                 via="organisation__")
    return access_scoped(rows, pk=pk)


# ---------------------------------------------------------------- 最强党支部


@dataclass(frozen=True)
class Progress:
    items: int  # the year's checklist
    submitted: int
    accepted: int

    @property
    def is_model_branch(self) -> bool:
        return self.items > 0 and self.accepted == self.items

    @property
    def text(self) -> str:
        return f"{self.accepted}/{self.items}"


def checklist(year: int) -> list[ModelBranchItem]:
    return list(ModelBranchItem.objects.filter(year=year).order_by("number"))


def progress(organisation_ids, year: int) -> dict[int, Progress]:
    """Model-branch progress of each organisation for ``year``: two queries whatever the number."""
    items = ModelBranchItem.objects.filter(year=year).count()
    counts = {row["organisation"]: row for row in ModelBranchEvidence.objects
              .filter(organisation_id__in=list(organisation_ids), item__year=year).values("organisation")
              .annotate(submitted=Count("pk"),
                        accepted=Count("pk", filter=Q(verdict=ModelBranchEvidence.Verdict.ACCEPTED)))}
    return {pk: Progress(items=items, submitted=counts.get(pk, {}).get("submitted", 0),
                         accepted=counts.get(pk, {}).get("accepted", 0)) for pk in organisation_ids}


def is_model_branch(organisation: Organisation, year: int) -> bool:
    """Whether ``organisation`` is ``year``'s 最强党支部: every item of the year's checklist accepted."""
    accepted = ModelBranchEvidence.objects.filter(organisation=organisation, item__year=year,
                                                  verdict=ModelBranchEvidence.Verdict.ACCEPTED)
    return party_tree.is_model_branch(ModelBranchItem.objects.filter(year=year).values_list("pk", flat=True),
                                      accepted.values_list("item_id", flat=True))


def branches(user, *, year: int) -> list[tuple[Organisation, Progress]]:
    """The caller's branches (not dissolved, not cloud) with their progress for ``year``."""
    rows = list(visible_organisations(user, Organisation.objects.filter(kind=Organisation.Kind.BRANCH,
                                                                        is_cloud_branch=False)
                                      .exclude(status=Organisation.Status.DISSOLVED)
                                      .select_related("parent"), caps.VIEW).order_by("path"))
    done = progress([o.pk for o in rows], year)
    return [(o, done[o.pk]) for o in rows]


def evidence_of(organisation: Organisation, year: int) -> dict[int, ModelBranchEvidence]:
    """The branch's evidence for ``year``, by item id."""
    return {e.item_id: e for e in ModelBranchEvidence.objects.filter(organisation=organisation, item__year=year)
            .select_related("item", "submitted_by")}


def evidence_for(user, pk: int) -> ModelBranchEvidence:
    rows = visible_organisations(user, ModelBranchEvidence.objects.select_related("organisation", "item"), caps.VIEW,
                                 via="organisation__")
    return access_scoped(rows, pk=pk)
