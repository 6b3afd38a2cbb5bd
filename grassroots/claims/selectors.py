"""Reads of claims, review queues, notices and objections."""

from collections import defaultdict

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from grassroots.access.scope import access_object, scope_of, visible
from grassroots.areas.models import Area, Level, Person
from grassroots.claims.models import (
    LIVE_CLAIM_STATUSES,
    Claim,
    ClaimStatus,
    LineStatus,
    Notice,
    NoticeLine,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    ReviewDecision,
)
from grassroots.ledger.models import (
    LedgerEntry,
)
from grassroots.ledger.selectors import first_broken_entry
from grassroots.points import capabilities as caps
from grassroots.settlement.models import (
    PointsPolicy,
    default_stages,
)
from grassroots.settlement.selectors import policy_for


def review_queue(user, *, within: Area | None = None, limit: int = 200) -> list[Claim]:
    """Claims waiting at a stage whose reviewers include one of the caller's roles.

    ``within`` (an area the caller may view): every claim in review there that the caller can see, at whatever
    stage it waits (what the dashboard's "审核中" counts); ``.mine`` says whether the caller reviews it now."""
    scope = scope_of(user)
    claims = visible(user, Claim.objects.filter(status=ClaimStatus.IN_REVIEW), caps.VIEW)
    if within is not None:
        claims = claims.filter(path__startswith=within.path)
    claims = (
        claims.select_related("person", "household", "rule_version", "grid", "recorder", "village",
                              "volunteer_hours__signup__activity")  # a claim proposed from volunteer hours: its evidence
        .order_by("village_id", "stage", "grid_id", "id")[: limit if within is not None else limit * 4]
    )
    policies = {p.village_id: p.stages for p in PointsPolicy.objects.filter(
        village_id__in={c.village_id for c in claims})}
    queue = []
    for claim in claims:
        stages = policies.get(claim.village_id) or default_stages()
        claim.mine = claim.stage < len(stages) and scope.has_role(stages[claim.stage]["roles"], claim.path)
        if claim.mine or (within is not None and claim.stage < len(stages)):
            claim.stage_label = stages[claim.stage]["name"]
            queue.append(claim)
        if len(queue) >= limit:
            break
    return queue


def my_claims(user, *, limit: int = 100) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(recorder=user)
        .select_related("person", "rule_version", "household")
        .prefetch_related(Prefetch("decisions", queryset=ReviewDecision.objects.order_by("stage", "decided_at")))
        .order_by("-created_at", "-id")[:limit]
    )


def claim_for(user, pk: int) -> Claim:
    return access_object(user, Claim.objects.select_related("person", "rule_version", "household", "recorder"),
                              pk=pk)


def _public_lines() -> Prefetch:
    """A notice's lines with what a public board shows of each (names are masked where shown)."""
    return Prefetch(
        "lines",
        queryset=NoticeLine.objects.select_related(
            "claim", "claim__person", "claim__household", "claim__rule_version", "claim__rule_version__rule"
        ).prefetch_related("objections").order_by("id"),
    )


def public_notice(token: str) -> Notice:
    """A notice by its public token, with its lines (for the board: names are masked in the template)."""

    notice = Notice.objects.filter(token=token).select_related("grid", "village").prefetch_related(_public_lines()).first()
    if notice is None:
        raise Http404("未找到该公示")
    return notice


def public_village(code: str) -> Area:
    """A village (嘎查村社区) by its code, for the public routes; 404 for any other code."""
    village = Area.objects.filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise Http404("未找到该嘎查村社区")
    return village


def open_public_notices(village: Area, *, position: int, limit: int, now=None) -> list[Notice]:
    """One page (``limit`` + 1 rows from ``position``) of the village's notices still open for objections,
    newest first, each with its lines (``_public_lines``)."""
    now = now or timezone.now()
    notices = list(Notice.objects.filter(village=village, status=NoticeStatus.OPEN, closes_at__gt=now)
                   .select_related("grid", "village").order_by("-opened_at", "-id")[position:position + limit + 1])
    prefetch_related_objects(notices, _public_lines())
    return notices


def objection_by_reference(reference: str) -> Objection:
    """An objection by the reference its resident was given; 404 when there is none."""
    objection = (Objection.objects.filter(reference=reference)
                 .select_related("line__notice__village", "line__notice__grid", "line__claim__person",
                                 "line__claim__household", "line__claim__rule_version").first())
    if objection is None:
        raise Http404("未找到该受理编号")
    return objection


def open_objections(user, *, within: Area | None = None, limit: int = 100) -> QuerySet[Objection]:
    """The open objections the caller decides; ``within`` (an area the caller may view): every open objection
    there the caller can see (what the dashboard's "待复议的异议" counts), decided or not by the caller."""
    if within is None:
        rows = visible(user, Objection.objects.filter(status=ObjectionStatus.OPEN), caps.DECIDE_OBJECTIONS,
                       field="line__notice__path")
    else:
        rows = visible(user, Objection.objects.filter(status=ObjectionStatus.OPEN,
                                                      line__notice__path__startswith=within.path),
                       caps.VIEW, field="line__notice__path")
    return (
        rows.select_related("line__claim__person", "line__claim__rule_version", "line__notice__grid")
        .order_by("created_at")[:limit]
    )


def objection_for(user, pk: int) -> Objection:
    return access_object(user, Objection.objects.select_related("line__notice", "line__claim"),
                              field="line__notice__path", pk=pk)


def verify_notice(notice: Notice) -> dict:
    """What the public check page shows: is each line of the notice in the village's chain, and does
    the chain up to the head printed on the notice hold?"""
    lines = list(notice.lines.filter(status=LineStatus.STANDING).select_related("claim"))
    entries = {e.claim_id: e for e in LedgerEntry.objects.filter(notice=notice)}
    broken = first_broken_entry(notice.village_id, upto_seq=notice.chain_seq) if notice.chain_seq else None
    head = LedgerEntry.objects.filter(village_id=notice.village_id, seq=notice.chain_seq).first()
    head_matches = head is not None and head.hash == notice.chain_hash
    missing = [line for line in lines if line.claim_id not in entries]
    return {
        "lines": len(lines),
        "found": len(lines) - len(missing),
        "broken": broken,
        "head_matches": head_matches,
        "ok": not missing and broken is None and head_matches,
        "entries": entries,
    }


def batch_claims(user, batch: str) -> list[Claim]:
    """The claims of one recording batch that the caller recorded: the confirmation after recording."""
    return list(
        Claim.objects.filter(batch=batch, recorder=user)
        .select_related("person", "household", "rule_version", "rule_version__rule", "grid")
        .order_by("id")
    )


def with_history(claims: list[Claim]) -> list[Claim]:
    """``claims`` with their earlier review decisions (and each reviewer) loaded in one query."""
    prefetch_related_objects(
        claims, Prefetch("decisions", queryset=ReviewDecision.objects.select_related("reviewer").order_by(
            "stage", "decided_at")))
    return claims


def same_deed_claims(*, person_ids, rule_id: int, deed_date) -> list[Claim]:
    """Live claims (in review, on notice, posted) of these people under this rule for that day: the
    same deed recorded before. Unscoped: the caller has already checked that it may record for them."""
    return list(
        Claim.objects.filter(person_id__in=list(person_ids), rule_version__rule_id=rule_id, deed_date=deed_date,
                             status__in=LIVE_CLAIM_STATUSES)
        .select_related("person", "rule_version__rule", "recorder")
        .order_by("person_id", "id")
    )


def possible_duplicates(user, claims: list[Claim]) -> dict[int, list[Claim]]:
    """For each of ``claims``: the other live claims the caller can see of the same person, rule and day.

    One query for the whole list. A claim is a possible duplicate at every stage of review, and stays
    one after either of the pair moves on (approved, on notice, posted)."""
    if not claims:
        return {}
    keys = {c.pk: (c.person_id, c.rule_version.rule_id, c.deed_date) for c in claims}
    others = (
        visible(user, Claim.objects.filter(person_id__in={k[0] for k in keys.values()},
                                           rule_version__rule_id__in={k[1] for k in keys.values()},
                                           deed_date__in={k[2] for k in keys.values()},
                                           status__in=LIVE_CLAIM_STATUSES), caps.VIEW)
        .select_related("person", "rule_version__rule", "recorder")
        .order_by("id")
    )
    by_key: dict[tuple, list[Claim]] = defaultdict(list)
    for other in others:
        by_key[(other.person_id, other.rule_version.rule_id, other.deed_date)].append(other)
    return {pk: [o for o in by_key.get(key, []) if o.pk != pk] for pk, key in keys.items()}


def recorded_duplicates(user, claims: list[Claim]) -> dict[int, list[Claim]]:
    """``possible_duplicates`` of claims just returned by ``services.record_claims``, without a query: their
    ``same_deed`` (the live claims of the same person, rule and day, read in the same transaction) that the
    caller can see. The claims of one batch are of different people, so none is a duplicate of another."""
    scope = scope_of(user)
    return {c.pk: [o for o in c.same_deed if scope.can(caps.VIEW, o.path)] for c in claims}


def visible_claim_ids(user, ids: list[int]) -> set[int]:
    """Which of ``ids`` name claims the caller can see (the rest are 404 to them)."""
    return set(visible(user, Claim.objects.filter(pk__in=ids), caps.VIEW).values_list("pk", flat=True))


def reviewer_roles() -> set[str]:
    """Every role that reviews at some stage, in the default stages or any village's own."""
    roles = {r for stage in default_stages() for r in stage["roles"]}
    for stages in PointsPolicy.objects.values_list("stages", flat=True):
        roles.update(r for stage in stages or [] for r in stage.get("roles", []))
    return roles


def recordable_people(user, area, *, limit: int = 500):
    """The people of ``area`` (a grid or village) the caller may record points for, by household."""

    return list(
        visible(user, Person.objects.filter(path__startswith=area.path, is_active=True, household__isnull=False),
                caps.RECORD)
        .select_related("household")
        .prefetch_related("tags")
        .order_by("household__number", "id")[:limit]
    )


def notice_summaries(user, *, limit: int = 50) -> QuerySet[Notice]:
    """The staff list of notices: each with its number of lines and of open objections."""
    return (
        visible(user, Notice.objects.select_related("grid", "village"), caps.VIEW)
        .annotate(line_count=Count("lines", distinct=True),
                  open_objections=Count("lines__objections", filter=Q(lines__objections__status=ObjectionStatus.OPEN),
                                        distinct=True))
        .order_by("-opened_at", "-id")[:limit]
    )


def stage_name(claim: Claim) -> str:
    stages = policy_for(claim.village).stages
    return stages[claim.stage]["name"] if claim.stage < len(stages) else ""
