"""Reads of the points process, scoped through access.scope."""

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from grassroots.access.scope import access_object, scope_of, visible
from grassroots.areas.models import Area, Household, Person
from grassroots.points import capabilities as caps
from grassroots.points.models import (
    LIVE_CLAIM_STATUSES,
    Account,
    Claim,
    ClaimStatus,
    EntryKind,
    LedgerCheckpoint,
    LedgerEntry,
    LedgerHead,
    LineStatus,
    Notice,
    NoticeLine,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    PointsPolicy,
    ReviewDecision,
    Rule,
    RuleKind,
    RuleSet,
    RuleVersion,
    Settlement,
    SettlementLine,
    SettlementStatus,
    chain_content,
)
from grassroots.rules.points import GENESIS, ChainLink
from grassroots.rules.settlement import (
    Ranked,
    competition_ranks,
    credit_band,
    fen_for,
    honours,
    quarter_bounds,
    quarter_label,
    stars_for,
)


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
    return access_object(user, Rule.objects.select_related("rule_set", "rule_set__area"), field="rule_set__path",
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
    return access_object(user, Claim.objects.select_related("person", "rule_version", "household", "recorder"),
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
    return access_object(user, Objection.objects.select_related("line__notice", "line__claim"),
                              field="line__notice__path", pk=pk)


def entry_origin(user, pk: int) -> LedgerEntry:
    """One entry with everything it came from: rule version, recorder, each review, the notice, objections."""
    entry = access_object(
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


@dataclass(frozen=True)
class LedgerProblem:
    """The first entry of a village's chain that is not as it was: ``missing`` (deleted, or never
    reached again after a rewind) or changed."""

    seq: int
    missing: bool
    against_checkpoint: bool = False

    @property
    def words(self) -> str:
        words = f"第 {self.seq} 条记录{'缺失' if self.missing else '被改动'}"
        if self.against_checkpoint and not self.missing:
            words += "（与公示或积分榜上印出的校验码不符，改动在这一条或之前）"
        return words


def ledger_problem(village_id: int) -> LedgerProblem | None:
    """Recompute a village's chain from the start and hold it against its head and against every
    checkpoint (each chain head shown on a notice or board): the first missing or changed entry, or None.

    Streams the entries; the checkpoints (a few per notice) are read into memory.
    """
    shown: dict[int, set[str]] = defaultdict(set)
    for seq, digest in LedgerCheckpoint.objects.filter(village_id=village_id).values_list("seq", "hash"):
        shown[seq].add(digest)
    problems: list[LedgerProblem] = []
    expected_prev, expected_seq = GENESIS, 1
    for entry in LedgerEntry.objects.filter(village_id=village_id).order_by("seq").iterator(chunk_size=5000):
        if entry.seq != expected_seq:
            problems.append(LedgerProblem(expected_seq, missing=True))
            break
        if (entry.prev_hash != expected_prev
                or ChainLink(entry.seq, entry.prev_hash, chain_content(entry)).digest() != entry.hash):
            problems.append(LedgerProblem(entry.seq, missing=False))
            break
        if entry.seq in shown and shown[entry.seq] != {entry.hash}:
            # The chain holds, but not the one villagers were shown: rewritten from here or earlier.
            problems.append(LedgerProblem(entry.seq, missing=False, against_checkpoint=True))
            break
        expected_prev, expected_seq = entry.hash, expected_seq + 1
    else:
        length = expected_seq - 1
        if shown and max(shown) > length:
            problems.append(LedgerProblem(length + 1, missing=True))
        head = LedgerHead.objects.filter(village_id=village_id).first()
        if head is not None and head.seq > length:
            problems.append(LedgerProblem(length + 1, missing=True))
        elif head is not None and (head.seq < length or head.hash != expected_prev):
            problems.append(LedgerProblem(min(head.seq + 1, length), missing=False))
    return min(problems, key=lambda p: p.seq) if problems else None


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
                                           deed_date__in={k[2] for k in keys.values()},
                                           status__in=LIVE_CLAIM_STATUSES), caps.VIEW)
        .select_related("person", "rule_version__rule", "recorder")
        .order_by("id")
    )
    by_key: dict[tuple, list[Claim]] = defaultdict(list)
    for other in others:
        by_key[(other.person_id, other.rule_version.rule_id, other.deed_date)].append(other)
    return {pk: [o for o in by_key.get(key, []) if o.pk != pk] for pk, key in keys.items()}


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


# ---------------------------------------------------------------- balances, statements, settlements, the year
#
# Both numbers of a household are sums of its ledger entries, read when asked: the score (account
# "score": earned minus deducted, never lowered by spending) and the redeemable balance (account
# "credit": granted by settlements, spent at the love supermarket, lapsed at year end).


@dataclass(frozen=True)
class Balance:
    score: int = 0
    credit: int = 0


def balances(household_ids) -> dict[int, Balance]:
    """All-time score and redeemable balance of each household, from one GROUP BY."""
    from django.db.models import Case, IntegerField, Sum, Value, When

    rows = (LedgerEntry.objects.filter(household_id__in=list(household_ids)).values("household_id")
            .annotate(score=Sum(Case(When(account=Account.SCORE, then="points"), default=Value(0),
                                     output_field=IntegerField())),
                      credit=Sum(Case(When(account=Account.CREDIT, then="points"), default=Value(0),
                                      output_field=IntegerField())))
            .values_list("household_id", "score", "credit"))
    found = {hh: Balance(score, credit) for hh, score, credit in rows}
    return {hh: found.get(hh, Balance()) for hh in household_ids}


def balance(household) -> Balance:
    return balances([household.pk])[household.pk]


def score_between(household_ids, start: date, end: date) -> dict[int, int]:
    from django.db.models import Sum

    rows = (LedgerEntry.objects.filter(household_id__in=list(household_ids), account=Account.SCORE,
                                       occurred_on__range=(start, end))
            .values("household_id").annotate(total=Sum("points")).values_list("household_id", "total"))
    found = dict(rows)
    return {hh: found.get(hh, 0) for hh in household_ids}


def score_by_month(household_id: int, year: int) -> list[int]:
    """The household's score in each month of ``year`` (12 numbers, January first)."""
    from django.db.models import Sum
    from django.db.models.functions import ExtractMonth

    rows = (LedgerEntry.objects.filter(household_id=household_id, account=Account.SCORE, occurred_on__year=year)
            .annotate(month=ExtractMonth("occurred_on")).values("month").annotate(total=Sum("points"))
            .values_list("month", "total"))
    months = [0] * 12
    for month, total in rows:
        months[month - 1] = total
    return months


def _heads(household_ids) -> dict[int, Person]:
    return {p.household_id: p for p in Person.objects.filter(household_id__in=list(household_ids),
                                                              relation=Person.Relation.HEAD)}


@dataclass
class StatementRow:
    household: Household
    head: Person | None
    plus: int
    minus: int
    total: int
    rank: int
    tied: bool
    entries: list


def monthly_statement(grid: Area, year: int, month: int) -> list[StatementRow]:
    """月计分: every household of the grid with its month's entries, totals and rank in the grid.

    Three queries whatever the grid's size: households, heads, and the month's entries.
    """
    from grassroots.rules.points import period_bounds

    start, end = period_bounds(date(year, month, 1), "month")
    households = list(Household.objects.filter(grid=grid, is_active=True).order_by("number"))
    heads = _heads([h.pk for h in households])
    entries: dict[int, list] = defaultdict(list)
    for entry in (LedgerEntry.objects.filter(path__startswith=grid.path, account=Account.SCORE,
                                             occurred_on__range=(start, end))
                  .select_related("rule_version", "person").order_by("occurred_on", "seq")):
        entries[entry.household_id].append(entry)
    rows = []
    for household in households:
        own = entries.get(household.pk, [])
        plus = sum(e.points for e in own if e.points > 0)
        minus = sum(e.points for e in own if e.points < 0)
        rows.append(StatementRow(household, heads.get(household.pk), plus, minus, plus + minus, 0, False, own))
    rows.sort(key=lambda r: (-r.total, r.household.number))
    ranks = competition_ranks([r.total for r in rows])
    counts = Counter(ranks)
    for row, rank in zip(rows, ranks, strict=True):
        row.rank, row.tied = rank, counts[rank] > 1
    return rows


@dataclass
class AnnualRow:
    household: Household
    head: Person | None
    score: int
    vetoed: bool
    village_rank: int
    township_rank: int
    tied: bool
    stars: int
    honours: list[str]
    credit_band: str


def _year_scores(path: str, year: int) -> dict[int, tuple[int, bool]]:
    """(score, vetoed) of every household under ``path`` that has score entries in ``year``."""
    from django.db.models import Case, IntegerField, Q, Sum, Value, When

    veto = Case(When(Q(rule_version__kind=RuleKind.VETO) & Q(kind=EntryKind.REVERSAL), then=Value(-1)),
                When(rule_version__kind=RuleKind.VETO, then=Value(1)), default=Value(0), output_field=IntegerField())
    rows = (LedgerEntry.objects.filter(path__startswith=path, account=Account.SCORE, occurred_on__year=year)
            .values("household_id").annotate(score=Sum("points"), vetoes=Sum(veto))
            .values_list("household_id", "score", "vetoes"))
    return {hh: (score, vetoes > 0) for hh, score, vetoes in rows}


def _township_of(village: Area) -> Area | None:
    return village.parent if village.parent_id else None


def annual_summary(village: Area, year: int) -> list[AnnualRow]:
    """年总结 for a village: every household's score for the year, its rank in the village and the
    township, its stars, honours and credit band by the village's policy. Ties share a rank.

    A veto in the year excludes a household from honours and rates it 较差.
    """
    from grassroots.points.services import policy_for

    policy = policy_for(village)
    households = list(Household.objects.filter(village=village, is_active=True).order_by("number"))
    heads = _heads([h.pk for h in households])
    scores = _year_scores(village.path, year)
    township = _township_of(village)
    # Negated and ascending, so bisect counts the township's households with a higher score.
    township_scores = sorted(-s for s, _ in _year_scores(township.path, year).values()) if township else []
    township_quiet = (Household.objects.filter(path__startswith=township.path, is_active=True).count()
                      - len(township_scores)) if township else 0
    rows = [(h, *scores.get(h.pk, (0, False))) for h in households]
    rows.sort(key=lambda r: (-r[1], r[0].number))
    ranks = competition_ranks([score for _, score, _ in rows])
    counts = Counter(ranks)
    won = honours([Ranked(h.pk, score, vetoed) for h, score, vetoed in rows], policy.honours)
    result = []
    for (household, score, vetoed), rank in zip(rows, ranks, strict=True):
        higher = bisect_left(township_scores, -score) + (township_quiet if score < 0 else 0)
        result.append(AnnualRow(
            household=household, head=heads.get(household.pk), score=score, vetoed=vetoed, village_rank=rank,
            township_rank=higher + 1, tied=counts[rank] > 1,
            stars=0 if vetoed else stars_for(score, policy.star_bands), honours=won.get(household.pk, []),
            credit_band=credit_band(score, vetoed=vetoed, bands=policy.credit_bands)))
    return result


def recommendations(summary: list[AnnualRow]) -> list[AnnualRow]:
    """同等条件下优先推荐: households without a veto, best score first; equal scores stay tied."""
    return [row for row in summary if not row.vetoed]


def annual_row(household: Household, year: int) -> dict:
    """One household's year: what a credit look-up returns."""
    from grassroots.points.services import policy_for

    village = household.village
    policy = policy_for(village)
    score, vetoed = _year_scores(household.path, year).get(household.pk, (0, False))
    return {"household": household, "year": year, "score": score, "vetoed": vetoed,
            "stars": 0 if vetoed else stars_for(score, policy.star_bands),
            "credit_band": credit_band(score, vetoed=vetoed, bands=policy.credit_bands)}


@dataclass(frozen=True)
class Standing:
    may_redeem: bool
    reason: str
    credit: int
    settlement: Settlement | None


def redemption_standing(household: Household, today: date) -> Standing:
    """May the household redeem at the love supermarket now, and if not, why (in Chinese)?

    It may when it has a redeemable balance and the village's latest published settlement does not
    bar it for a veto.
    """
    credit = balance(household).credit
    latest = (Settlement.objects.filter(village_id=household.village_id, status=SettlementStatus.PUBLISHED)
              .order_by("-year", "-quarter").first())
    line = latest.lines.filter(household=household).first() if latest else None
    if line is not None and line.vetoed:
        return Standing(False, f"{quarter_label(latest.year, latest.quarter)}有否决项目，本季度不能兑换", credit, latest)
    if credit > 0:
        return Standing(True, "", credit, latest)
    if latest is None:
        return Standing(False, "本村尚未公布季度评议结果，暂不能兑换", credit, None)
    if line is None:
        start, end = quarter_bounds(latest.year, latest.quarter)
        points = score_between([household.pk], start, end)[household.pk]
        return Standing(False, f"{quarter_label(latest.year, latest.quarter)}积分{points}分，"
                               f"未达到{latest.threshold}分，不能兑换", credit, latest)
    return Standing(False, "可兑换积分已用完", credit, latest)


def settlement_for(user, pk: int) -> Settlement:
    return access_object(user, Settlement.objects.select_related("village", "published_by", "supersedes"), pk=pk)


def settlements_for(user, *, limit: int = 100) -> QuerySet[Settlement]:
    return visible(user, Settlement.objects.select_related("village"), caps.VIEW).order_by(
        "-year", "-quarter", "village_id", "-revision")[:limit]


def settlement_lines(settlement: Settlement) -> list[SettlementLine]:
    """The lines, best first, each with ``.head`` and ``.fen``: a published settlement's as written, a
    draft's as its slice of the ledger gives them."""
    if settlement.status == SettlementStatus.DRAFT:
        from grassroots.points.services import draft_lines

        rows = draft_lines(settlement)
        households = Household.objects.in_bulk([row[0] for row in rows])
        lines = [SettlementLine(settlement=settlement, household=households[hh], path=path, points=points,
                                vetoed=vetoed, eligible=eligible, credit=credit)
                 for hh, path, points, vetoed, eligible, credit in rows]
        lines.sort(key=lambda line: (not line.eligible, -line.points, line.household.number))
    else:
        lines = list(settlement.lines.select_related("household")
                     .order_by("-eligible", "-points", "household__number"))
    heads = _heads([line.household_id for line in lines])
    for line in lines:
        line.head = heads.get(line.household_id)
        line.fen = fen_for(line.credit, settlement.points_per_yuan)
    return lines


def households_below_threshold(settlement: Settlement, lines: list[SettlementLine]) -> int:
    """Households with entries in the quarter that reached neither the threshold nor a veto: they have
    no line, and the settlement page says how many there are."""
    start, end = quarter_bounds(settlement.year, settlement.quarter)
    with_entries = set(LedgerEntry.objects.filter(village_id=settlement.village_id, account=Account.SCORE,
                                                  occurred_on__range=(start, end), seq__lte=settlement.ledger_seq)
                       .values_list("household_id", flat=True).distinct())
    return len(with_entries - {line.household_id for line in lines})


def unspent_credit(village: Area) -> dict[int, int]:
    """{household id: redeemable points} of the village's households with credit left: what a lapse clears."""
    from django.db.models import Sum

    return dict(LedgerEntry.objects.filter(village=village, account=Account.CREDIT).values("household_id")
                .annotate(balance=Sum("points")).filter(balance__gt=0).order_by("household_id")
                .values_list("household_id", "balance"))


def public_settlement(token: str) -> Settlement:
    settlement = Settlement.objects.select_related("village").filter(
        token=token, status__in=[SettlementStatus.PUBLISHED, SettlementStatus.SUPERSEDED]).first()
    if settlement is None:
        raise Http404("未找到")
    return settlement


def grid_board(grid: Area, today: date) -> dict:
    """What a grid's board shows: this week's notices, this month's statement, the latest published
    settlement of the grid's village, the village chain's head, and the grid's latest posted notice
    (whose check page the board's QR code opens)."""
    from grassroots.rules.points import period_bounds

    week_start, _ = period_bounds(today, "week")
    notices = list(Notice.objects.filter(grid=grid, opened_at__date__gte=week_start - timedelta(days=7))
                   .order_by("-opened_at")[:5])
    statement = monthly_statement(grid, today.year, today.month)
    settlement = (Settlement.objects.filter(village_id=grid.parent_id, status=SettlementStatus.PUBLISHED)
                  .order_by("-year", "-quarter").first())
    lines = [line for line in settlement_lines(settlement) if line.path.startswith(grid.path)] if settlement else []
    head = LedgerHead.objects.filter(village_id=grid.parent_id).first()
    latest_posted = (Notice.objects.filter(grid=grid, status=NoticeStatus.POSTED).exclude(chain_hash="")
                     .order_by("-posted_at", "-id").first())
    return {"grid": grid, "today": today, "notices": notices, "statement": statement, "settlement": settlement,
            "settlement_lines": lines, "head": head, "latest_posted": latest_posted}


def statement_span(grid: Area, today: date) -> tuple[date, date]:
    """The months a grid's statement (月计分) can be asked for: from the month of the village's first
    score entry (the scheme's start there) to this month, and the latest month with score entries in the
    grid (this month when there are none). Both as the first day of the month; two aggregate queries."""
    from django.db.models import Max, Min

    this_month = today.replace(day=1)
    first = (LedgerEntry.objects.filter(village_id=grid.parent_id, account=Account.SCORE)
             .aggregate(day=Min("occurred_on"))["day"])
    latest = (LedgerEntry.objects.filter(path__startswith=grid.path, account=Account.SCORE, occurred_on__lte=today)
              .aggregate(day=Max("occurred_on"))["day"])
    start = min(first.replace(day=1), this_month) if first else this_month
    return start, latest.replace(day=1) if latest else this_month
