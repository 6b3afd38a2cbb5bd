"""Reads of the points process, scoped through access.scope."""

from django.db.models import Prefetch, QuerySet

from grassroots.access.scope import get_visible_or_404, scope_of, visible
from grassroots.points import capabilities as caps
from grassroots.points.models import (
    Claim,
    ClaimStatus,
    LedgerEntry,
    LedgerHead,
    LineStatus,
    Notice,
    NoticeLine,
    Objection,
    ObjectionStatus,
    PointsPolicy,
    ReviewDecision,
    Rule,
    RuleSet,
    RuleVersion,
    chain_content,
)
from grassroots.rules.points import GENESIS, ChainLink


def catalogue_for(user, village) -> RuleSet | None:
    return visible(user, RuleSet.objects.filter(area=village, is_template=False), caps.VIEW).first()


def rules_in_force(rule_set: RuleSet, day) -> list[RuleVersion]:
    """The version of each rule that is in force on ``day``."""
    from django.db.models import Q

    return list(
        RuleVersion.objects.filter(rule__rule_set=rule_set, effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .select_related("rule")
        .order_by("rule__code")
    )


def rule_for(user, pk: int) -> Rule:
    return get_visible_or_404(user, Rule.objects.select_related("rule_set", "rule_set__area"), field="rule_set__path",
                              pk=pk)


def review_queue(user, *, limit: int = 200) -> list[Claim]:
    """Claims waiting at a stage whose reviewers include one of the caller's roles."""
    scope = scope_of(user)
    claims = (
        visible(user, Claim.objects.filter(status=ClaimStatus.IN_REVIEW), caps.VIEW)
        .select_related("person", "household", "rule_version", "grid", "recorder", "village")
        .order_by("village_id", "stage", "grid_id", "id")[: limit * 4]
    )
    policies = {p.village_id: p.stages for p in PointsPolicy.objects.filter(
        village_id__in={c.village_id for c in claims})}
    from grassroots.points.models import default_stages

    queue = []
    for claim in claims:
        stages = policies.get(claim.village_id) or default_stages()
        if claim.stage < len(stages) and scope.has_role(stages[claim.stage]["roles"], claim.path):
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
    return get_visible_or_404(user, Claim.objects.select_related("person", "rule_version", "household", "recorder"),
                              pk=pk)


def notices_for(user, *, limit: int = 50) -> QuerySet[Notice]:
    return visible(user, Notice.objects.select_related("grid", "village"), caps.VIEW).order_by("-opened_at")[:limit]


def public_notice(token: str) -> Notice:
    """A notice by its public token, with its lines (for the board: names are masked in the template)."""
    from django.http import Http404

    notice = (
        Notice.objects.filter(token=token)
        .select_related("grid", "village")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=NoticeLine.objects.select_related(
                    "claim", "claim__person", "claim__household", "claim__rule_version"
                ).prefetch_related("objections").order_by("id"),
            )
        )
        .first()
    )
    if notice is None:
        raise Http404("未找到该公示")
    return notice


def open_objections(user, *, limit: int = 100) -> QuerySet[Objection]:
    return (
        visible(user, Objection.objects.filter(status=ObjectionStatus.OPEN), caps.DECIDE_OBJECTIONS,
                field="line__notice__path")
        .select_related("line__claim__person", "line__claim__rule_version", "line__notice__grid")
        .order_by("created_at")[:limit]
    )


def objection_for(user, pk: int) -> Objection:
    return get_visible_or_404(user, Objection.objects.select_related("line__notice", "line__claim"),
                              field="line__notice__path", pk=pk)


def entry_origin(user, pk: int) -> LedgerEntry:
    """One entry with everything it came from: rule version, recorder, each review, the notice, objections."""
    entry = get_visible_or_404(
        user,
        LedgerEntry.objects.select_related(
            "household", "person", "rule_version", "rule_version__rule", "rule_version__adoption", "notice",
            "notice__grid", "claim", "claim__recorder", "reverses",
        ),
        pk=pk,
    )
    entry.decisions = list(entry.claim.decisions.select_related("reviewer")) if entry.claim_id else []
    entry.objections = (
        list(Objection.objects.filter(line__claim_id=entry.claim_id).select_related("decided_by"))
        if entry.claim_id else []
    )
    entry.reversal = LedgerEntry.objects.filter(reverses=entry).first()
    return entry


def household_entries(user, household, *, limit: int = 200) -> QuerySet[LedgerEntry]:
    return visible(user, LedgerEntry.objects.filter(household=household), caps.VIEW).select_related(
        "rule_version").order_by("-seq")[:limit]


# ---------------------------------------------------------------- verification


def first_broken_entry(village_id: int, *, upto_seq: int | None = None) -> LedgerEntry | None:
    """Recompute a village's chain from the start; the first entry that does not hold, or None.

    Streams the entries, so memory stays flat however long the chain is.
    """
    expected_prev, expected_seq = GENESIS, 1
    entries = LedgerEntry.objects.filter(village_id=village_id).order_by("seq")
    if upto_seq is not None:
        entries = entries.filter(seq__lte=upto_seq)
    for entry in entries.iterator(chunk_size=5000):
        if (entry.seq != expected_seq or entry.prev_hash != expected_prev
                or ChainLink(entry.seq, entry.prev_hash, chain_content(entry)).digest() != entry.hash):
            return entry
        expected_prev, expected_seq = entry.hash, expected_seq + 1
    head = LedgerHead.objects.filter(village_id=village_id).first()
    if upto_seq is None and head is not None and (head.seq != expected_seq - 1 or head.hash != expected_prev):
        # Rows missing from the end: the head remembers a longer chain than the table holds.
        return LedgerEntry(village_id=village_id, seq=expected_seq, hash="")
    return None


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


# ---------------------------------------------------------------- reads for the pages (views.py)


def batch_claims(user, batch: str) -> list[Claim]:
    """The claims of one recording batch that the caller recorded: the confirmation after recording."""
    return list(
        Claim.objects.filter(batch=batch, recorder=user)
        .select_related("person", "household", "rule_version", "rule_version__rule", "grid")
        .order_by("id")
    )


def with_history(claims: list[Claim]) -> list[Claim]:
    """``claims`` with their earlier review decisions (and each reviewer) loaded in one query."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        claims, Prefetch("decisions", queryset=ReviewDecision.objects.select_related("reviewer").order_by(
            "stage", "decided_at")))
    return claims


def visible_claim_ids(user, ids: list[int]) -> set[int]:
    """Which of ``ids`` name claims the caller can see (the rest are 404 to them)."""
    return set(visible(user, Claim.objects.filter(pk__in=ids), caps.VIEW).values_list("pk", flat=True))


def reviewer_roles() -> set[str]:
    """Every role that reviews at some stage, in the default stages or any village's own."""
    from grassroots.points.models import default_stages

    roles = {r for stage in default_stages() for r in stage["roles"]}
    for stages in PointsPolicy.objects.values_list("stages", flat=True):
        roles.update(r for stage in stages or [] for r in stage.get("roles", []))
    return roles


def recordable_people(user, area, *, limit: int = 500):
    """The people of ``area`` (a grid or village) the caller may record points for, by household."""
    from grassroots.areas.models import Person

    return list(
        visible(user, Person.objects.filter(path__startswith=area.path, is_active=True, household__isnull=False),
                caps.RECORD)
        .select_related("household")
        .prefetch_related("tags")
        .order_by("household__number", "id")[:limit]
    )


def _readable_rule_sets(user):
    """Rule sets are documents of an area for everyone working in it: a set is readable by whoever sees
    its area's subtree (a county reads its villages' catalogues) or works inside its area (a grid
    worker reads the village catalogue; a village reads its township's and county's templates)."""
    from django.db.models import Q

    query = Q(pk__in=[])
    for path in scope_of(user).paths(caps.VIEW):
        ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
        query |= Q(path__startswith=path) | Q(path__in=ancestors)
    return RuleSet.objects.filter(query)


def rule_set_for(user, pk: int) -> RuleSet:
    """One readable rule set (see ``_readable_rule_sets``); 404 otherwise."""
    from django.http import Http404

    rule_set = _readable_rule_sets(user).select_related("area", "copied_from").filter(pk=pk).first()
    if rule_set is None:
        raise Http404("未找到")
    return rule_set


def village_catalogue(user, village) -> RuleSet | None:
    """The village's catalogue, readable by everyone working in the village (``catalogue_for`` reads
    through the village's own subtree scope, so a grid worker, whose role sits on a grid, gets None)."""
    return _readable_rule_sets(user).filter(area=village, is_template=False).first()


def readable_rule(user, pk: int) -> Rule:
    """One rule of a readable rule set, for recording against it (``rule_for`` is 404 to a grid worker)."""
    from django.http import Http404

    rule = Rule.objects.select_related("rule_set", "rule_set__area").filter(
        pk=pk, rule_set__in=_readable_rule_sets(user)).first()
    if rule is None:
        raise Http404("未找到")
    return rule


def catalogue_rules(rule_set: RuleSet, day) -> list[Rule]:
    """Each rule of the set with all its versions (newest first), ``current`` = the version in force on
    ``day`` (None when none is) and ``latest`` = the newest version."""
    rules = list(
        rule_set.rules.prefetch_related(
            Prefetch("versions", queryset=RuleVersion.objects.select_related("adoption").order_by("-version"))
        ).order_by("code")
    )
    for rule in rules:
        versions = list(rule.versions.all())
        rule.latest = versions[0] if versions else None
        rule.current = next((v for v in versions if v.in_force_on(day)), None)
    return rules


def templates_for(area) -> list[RuleSet]:
    """Template rule sets published at ``area``, above it (its township, county …) or below it."""
    ancestors = [area.path[: i + 1] for i, ch in enumerate(area.path) if ch == "/"]
    from django.db.models import Count, Q

    return list(
        RuleSet.objects.filter(is_template=True)
        .filter(Q(path__in=ancestors) | Q(path__startswith=area.path))
        .select_related("area")
        .annotate(rule_count=Count("rules"))
        .order_by("path", "name")
    )


def notice_summaries(user, *, limit: int = 50) -> QuerySet[Notice]:
    """The staff list of notices: each with its number of lines and of open objections."""
    from django.db.models import Count, Q

    return (
        visible(user, Notice.objects.select_related("grid", "village"), caps.VIEW)
        .annotate(line_count=Count("lines", distinct=True),
                  open_objections=Count("lines__objections", filter=Q(lines__objections__status=ObjectionStatus.OPEN),
                                        distinct=True))
        .order_by("-opened_at", "-id")[:limit]
    )


def latest_adoption(rule_set_id: int, on_or_before):
    """The catalogue's most recent assembly adoption held on or before a day (for a version that
    names no adoption of its own)."""
    from grassroots.points.models import Adoption

    return Adoption.objects.filter(rule_set_id=rule_set_id, held_on__lte=on_or_before).order_by(
        "-held_on", "-id").first()
