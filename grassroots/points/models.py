"""积分制: the rule catalogue, claims and their review, public notices, objections and the ledger.

Data flow (docs/ledger.md): a grid worker records a Claim → each review stage approves or
rejects it (ReviewDecision) → approved claims of a grid go on a Notice → residents may
object (Objection) → when the notice closes with no open objection, each standing line
becomes a LedgerEntry, hash-chained per village and append-only.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.areas.models import Area, Household, Person
from grassroots.rules.settlement import (
    DEFAULT_CREDIT_BANDS,
    DEFAULT_HONOURS,
    DEFAULT_POINTS_PER_YUAN,
    DEFAULT_STAR_BANDS,
    DEFAULT_THRESHOLD,
)

DEFAULT_STAGES = [
    {"name": "党小组初审", "roles": ["party_group_leader"]},
    {"name": "“两委”联席复审", "roles": ["village_committee_member", "village_secretary"]},
    {"name": "党员（村民代表）大会审议", "roles": ["village_secretary"]},
]


def default_stages() -> list[dict]:
    return [dict(s) for s in DEFAULT_STAGES]


def default_star_bands() -> list[dict]:
    return [dict(b) for b in DEFAULT_STAR_BANDS]


def default_honours() -> list[dict]:
    return [dict(h) for h in DEFAULT_HONOURS]


def default_credit_bands() -> list[dict]:
    return [dict(b) for b in DEFAULT_CREDIT_BANDS]


class YearEnd(models.TextChoices):
    LAPSE = "lapse", "年终清零"
    CARRY_OVER = "carry_over", "结转下年"


class VetoScope(models.TextChoices):
    QUARTER = "quarter", "当季度不能兑换"
    YEAR = "year", "当年余下各季度均不能兑换"


class PointsPolicy(models.Model):
    """A village's own settings for the points process."""

    village = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="points_policy")
    notice_days = models.PositiveSmallIntegerField("公示天数", default=5)
    stages = models.JSONField("审核环节", default=default_stages,
                              help_text="list of {name, roles}: the review after the grid worker's score")
    threshold = models.PositiveIntegerField("季度兑换门槛（分）", default=DEFAULT_THRESHOLD)
    points_per_yuan = models.PositiveSmallIntegerField("兑换比例（几分兑1元）", default=DEFAULT_POINTS_PER_YUAN)
    year_end = models.CharField("年末未兑换额度", max_length=12, choices=YearEnd.choices, default=YearEnd.LAPSE)
    veto_scope = models.CharField("否决项目影响兑换", max_length=8, choices=VetoScope.choices,
                                  default=VetoScope.QUARTER)
    star_bands = models.JSONField("星级文明户分数线", default=default_star_bands)
    honours = models.JSONField("荣誉评选", default=default_honours,
                               help_text="list of {name, top, min}: the best ``top`` households reaching ``min``")
    credit_bands = models.JSONField("信用等级分数线", default=default_credit_bands)

    class Meta:
        verbose_name = "积分制设置"
        verbose_name_plural = "积分制设置"

    def __str__(self) -> str:
        return f"{self.village} 积分制设置"


class RuleSet(models.Model):
    """积分细则: a village's catalogue, or a template a township or county publishes for villages to copy."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="rule_sets")
    path = models.CharField(max_length=255)
    name = models.CharField("名称", max_length=100)
    is_template = models.BooleanField("模板", default=False)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "积分细则"
        verbose_name_plural = "积分细则"
        constraints = [
            models.UniqueConstraint(fields=["area"], condition=Q(is_template=False), name="one_catalogue_per_village")
        ]

    def __str__(self) -> str:
        return self.name


class Adoption(models.Model):
    """The assembly meeting that adopted (a change to) the catalogue, with its vote."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="adoptions")
    meeting = models.CharField("会议", max_length=100)
    held_on = models.DateField("日期")
    votes_for = models.PositiveIntegerField("赞成")
    votes_against = models.PositiveIntegerField("反对", default=0)
    votes_abstain = models.PositiveIntegerField("弃权", default=0)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "细则表决"
        verbose_name_plural = "细则表决"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.meeting} {self.held_on}"


class RuleKind(models.TextChoices):
    BASIC = "basic", "基础项目"
    INCENTIVE = "incentive", "激励项目"
    DISCRETIONARY = "discretionary", "机动项目"
    VETO = "veto", "否决项目"


class Unit(models.TextChoices):
    PER_TIME = "per_time", "次"
    PER_CARTLOAD = "per_cartload", "车次"
    PER_HOUR = "per_hour", "小时"
    PER_DAY = "per_day", "天"


class CapPeriod(models.TextChoices):
    NONE = "", "不封顶"
    WEEK = "week", "每周"
    MONTH = "month", "每月"
    QUARTER = "quarter", "每季度"


CATEGORY_LABELS = {"party_member": "党员", "resident": "群众", "grid_worker": "网格员"}


class Rule(models.Model):
    """A rule's identity (its code within the catalogue); what it says lives in its versions."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="rules")
    code = models.CharField("编号", max_length=20)

    class Meta:
        verbose_name = "积分项目"
        verbose_name_plural = "积分项目"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["rule_set", "code"], name="rule_code_unique_in_set")]

    def __str__(self) -> str:
        return self.code


class RuleVersion(models.Model):
    """One wording of a rule, in force from ``effective_from`` to ``effective_to`` (inclusive).

    A claim points to the version in force on the day of the deed, never to "the rule".
    """

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField("项目", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=RuleKind.choices)
    categories = models.JSONField("适用人员", default=list, help_text="person category codes: party_member, resident, grid_worker")
    points = models.IntegerField("分值（每单位）")
    unit = models.CharField("单位", max_length=16, choices=Unit.choices, default=Unit.PER_TIME)
    cap = models.PositiveIntegerField("封顶分值", null=True, blank=True)
    cap_period = models.CharField("封顶周期", max_length=8, choices=CapPeriod.choices, blank=True, default="")
    evidence_required = models.BooleanField("须附照片", default=False)
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    adoption = models.ForeignKey(Adoption, null=True, blank=True, on_delete=models.PROTECT, related_name="versions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "积分项目版本"
        verbose_name_plural = "积分项目版本"
        ordering = ["rule__code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_version_unique"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                                   name="rule_version_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.title} v{self.version}"

    @property
    def category_labels(self) -> list[str]:
        return [CATEGORY_LABELS.get(c, c) for c in self.categories]

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class ClaimStatus(models.TextChoices):
    IN_REVIEW = "in_review", "审核中"
    REJECTED = "rejected", "已退回"
    ON_NOTICE = "on_notice", "公示中"
    WITHDRAWN = "withdrawn", "异议成立已撤销"
    POSTED = "posted", "已入账"
    CANCELLED = "cancelled", "记录人已撤回"


# A claim that still counts: in review, on a notice or in the ledger. Rejected, withdrawn on an
# objection and cancelled by its recorder do not (a duplicate check or a cap ignores them).
LIVE_CLAIM_STATUSES = (ClaimStatus.IN_REVIEW, ClaimStatus.ON_NOTICE, ClaimStatus.POSTED)


def claim_photo_path(instance, filename: str) -> str:
    return f"claims/{instance.village_id}/{secrets.token_hex(8)}-{filename[-40:]}"


class Claim(models.Model):
    """周采分: one deed of one person under one rule version, as the grid worker recorded it."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="claims")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="claims")
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.PROTECT, related_name="claims")
    quantity = models.PositiveIntegerField("数量", default=1)
    points = models.IntegerField("分值")
    deed_date = models.DateField("日期")
    note = models.CharField("说明", max_length=200, blank=True)
    photo = models.FileField("照片", upload_to=claim_photo_path, blank=True)
    recorder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_claims")
    batch = models.CharField(max_length=32, db_index=True)
    status = models.CharField("状态", max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.IN_REVIEW)
    stage = models.PositiveSmallIntegerField("审核环节", default=0)
    resubmits = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="resubmitted_as")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "积分申报"
        verbose_name_plural = "积分申报"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["village", "status", "stage"], name="claim_queue_idx"),
            models.Index(fields=["person", "rule_version", "deed_date"], name="claim_cap_idx"),
            models.Index(fields=["path"], name="claim_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.rule_version.title} {self.points:+d}"


class ReviewDecision(models.Model):
    """One reviewer's decision on one claim at one stage. Append-only."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="decisions")
    stage = models.PositiveSmallIntegerField()
    stage_name = models.CharField(max_length=50)
    approved = models.BooleanField()
    reason = models.CharField("理由", max_length=200, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    batch = models.CharField(max_length=32)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "审核记录"
        verbose_name_plural = "审核记录"
        ordering = ["claim_id", "stage", "decided_at"]

    def __str__(self) -> str:
        return f"{self.stage_name} {'通过' if self.approved else '退回'}"


def notice_token() -> str:
    return secrets.token_urlsafe(9)


class NoticeStatus(models.TextChoices):
    OPEN = "open", "公示中"
    POSTED = "posted", "已入账"


class Notice(models.Model):
    """公示: an approved batch of one grid, public for ``notice_days`` and open to objections."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="notices")
    path = models.CharField(max_length=255)
    token = models.CharField(max_length=20, unique=True, default=notice_token)
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.OPEN)
    posted_at = models.DateTimeField(null=True, blank=True)
    chain_seq = models.PositiveIntegerField(null=True, blank=True, help_text="the village chain's length after posting")
    chain_hash = models.CharField(max_length=64, blank=True, help_text="the village chain's head after posting")

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["status", "closes_at"], name="notice_due_idx")]

    def __str__(self) -> str:
        return f"{self.grid} {self.opened_at:%Y-%m-%d} 公示"


class LineStatus(models.TextChoices):
    STANDING = "standing", "公示"
    WITHDRAWN = "withdrawn", "撤销"


class NoticeLine(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="lines")
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="notice_line")
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.STANDING)

    class Meta:
        ordering = ["notice_id", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.claim_id}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待复议"
    DISMISSED = "dismissed", "异议不成立"
    UPHELD = "upheld", "异议成立"


class Objection(models.Model):
    """异议 against one notice line. The contact details are never shown publicly."""

    line = models.ForeignKey(NoticeLine, on_delete=models.PROTECT, related_name="objections")
    reason = models.CharField("异议理由", max_length=500)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    decision_reason = models.CharField("复议意见", max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}：{self.reason[:20]}"


class Account(models.TextChoices):
    SCORE = "score", "积分"
    CREDIT = "credit", "可兑换额度"


class EntryKind(models.TextChoices):
    AWARD = "award", "加分"
    DEDUCTION = "deduction", "扣分"
    REVERSAL = "reversal", "冲正"
    SETTLEMENT = "settlement", "季度兑换额度"
    REDEMPTION = "redemption", "爱心超市兑换"
    LAPSE = "lapse", "年终清零"


class LedgerHead(models.Model):
    """The current end of a village's chain. Locked to append, so appends in a village are serial."""

    village = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="ledger_head")
    seq = models.PositiveIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.village_id} #{self.seq}"


class CheckpointPlace(models.TextChoices):
    NOTICE = "notice", "积分公示"
    BOARD = "board", "网格积分榜"
    CHECK = "check", "核验页"


class LedgerCheckpoint(models.Model):
    """A chain head as it was shown to villagers (on a posted notice, a board): a copy held outside the
    database. Append-only; one row per village, length and place, the first time it was shown.
    ``grassroots verify-ledger`` checks that the entry at ``seq`` still exists with this ``hash``."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    place = models.CharField(max_length=8, choices=CheckpointPlace.choices)
    shown_at = models.DateTimeField()

    class Meta:
        verbose_name = "台账校验点"
        verbose_name_plural = "台账校验点"
        ordering = ["village_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["village", "seq", "place"], name="checkpoint_once_per_place")]

    def __str__(self) -> str:
        return f"{self.village_id} #{self.seq} {self.hash[:12]}"


class LedgerEntry(models.Model):
    """积分台账: append-only (database triggers refuse UPDATE and DELETE) and hash-chained per village.

    ``hash`` covers the previous entry's hash and this entry's content (see ``chain_content``).
    A correction is a new entry of kind REVERSAL that names what it reverses and why.
    """

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    path = models.CharField(max_length=255)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="ledger_entries")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.CharField(max_length=8, choices=Account.choices, default=Account.SCORE)
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    points = models.IntegerField()
    rule_version = models.ForeignKey(RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    claim = models.OneToOneField(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="entry")
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    settlement = models.ForeignKey("Settlement", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="entries", help_text="the settlement that granted this credit")
    reason = models.CharField(max_length=200, blank=True)
    occurred_on = models.DateField()
    posted_at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64, unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "积分台账"
        verbose_name_plural = "积分台账"
        ordering = ["village_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["village", "seq"], name="ledger_seq_unique_in_village")]
        indexes = [
            models.Index(fields=["household", "occurred_on"], name="ledger_household_idx"),
            models.Index(fields=["path"], name="ledger_path_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.points:+d}"

    def chain_content(self) -> dict:
        return chain_content(self)


def chain_content(row) -> dict:
    """What an entry's hash covers. Ids, not names, so that renaming a person leaves the chain valid."""
    return {
        "village": row.village_id,
        "household": row.household_id,
        "person": row.person_id,
        "account": row.account,
        "kind": row.kind,
        "points": row.points,
        "rule_version": row.rule_version_id,
        "claim": row.claim_id,
        "notice": row.notice_id,
        "reverses": row.reverses_id,
        "reason": row.reason,
        "occurred_on": row.occurred_on.isoformat(),
        "key": row.idempotency_key,
    }


class SettlementStatus(models.TextChoices):
    DRAFT = "draft", "待公布"
    PUBLISHED = "published", "已公布"
    SUPERSEDED = "superseded", "已更正"


def settlement_token() -> str:
    return secrets.token_urlsafe(9)


class Settlement(models.Model):
    """季评议·兑换: who of a village may redeem after a quarter, and how much.

    Computed from the ledger as a draft (the village's entries up to ``ledger_seq``, so what the
    committees review is what gets published), reviewed and published by the committees; publication
    writes the lines and grants the credit as ledger entries. A correction is a new revision whose publication
    reverses the grants that changed. The policy in force is copied in, so the result can be
    read later as it was decided.
    """

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    path = models.CharField(max_length=255)
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    revision = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=SettlementStatus.choices, default=SettlementStatus.DRAFT)
    threshold = models.PositiveIntegerField("兑换门槛")
    points_per_yuan = models.PositiveSmallIntegerField("兑换比例")
    veto_scope = models.CharField(max_length=8, choices=VetoScope.choices)
    ledger_seq = models.PositiveIntegerField(
        default=0, help_text="the village chain's length when computed: the result reads entries up to it")
    token = models.CharField(max_length=20, unique=True, default=settlement_token)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    note = models.CharField("说明", max_length=500, blank=True)
    households = models.PositiveIntegerField("可兑换户数", default=0)
    credit_total = models.PositiveIntegerField("可兑换积分合计", default=0)
    computed_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")

    class Meta:
        verbose_name = "季度评议兑换"
        verbose_name_plural = "季度评议兑换"
        ordering = ["-year", "-quarter", "village_id", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year", "quarter", "revision"], name="settlement_revision_unique"),
            models.UniqueConstraint(fields=["village", "year", "quarter"], condition=Q(status="draft"),
                                    name="one_draft_settlement"),
            models.UniqueConstraint(fields=["village", "year", "quarter"], condition=Q(status="published"),
                                    name="one_published_settlement"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="settlement_quarter_1_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year}年第{self.quarter}季度评议（第{self.revision}版）"


class SettlementLine(models.Model):
    """A household that reached the threshold or has a veto in the settlement's window, written when the
    settlement is published (a draft's lines are read from the ledger: services.draft_lines).

    Households below the threshold have no line: their quarter total is the ledger's, and the
    reason they may not redeem follows from it.
    """

    # Both lead an index below (the unique pair, the household look-up), so neither needs its own.
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="lines", db_index=False)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="settlement_lines",
                                  db_index=False)
    path = models.CharField(max_length=255)
    points = models.IntegerField("本季度积分")
    vetoed = models.BooleanField("有否决项目", default=False)
    eligible = models.BooleanField("可兑换", default=False)
    credit = models.PositiveIntegerField("可兑换积分", default=0)

    class Meta:
        verbose_name = "评议结果"
        verbose_name_plural = "评议结果"
        ordering = ["settlement_id", "-points", "household_id"]
        constraints = [models.UniqueConstraint(fields=["settlement", "household"], name="settlement_line_unique")]
        indexes = [models.Index(fields=["household", "settlement"], name="settlement_line_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.credit}"


class YearClose(models.Model):
    """年末: unspent credit lapses (by ledger entries) or carries over, by the village's policy."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    year_end = models.CharField(max_length=12, choices=YearEnd.choices)
    households = models.PositiveIntegerField(default=0)
    points = models.PositiveIntegerField(default=0)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        verbose_name = "年末结转"
        verbose_name_plural = "年末结转"
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="one_year_close")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year} {self.get_year_end_display()}"


class CreditConsent(models.Model):
    """A household's written consent that one institution may look up its credit rating."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="credit_consents")
    path = models.CharField(max_length=255)
    institution = models.ForeignKey("demands.Unit", on_delete=models.PROTECT, related_name="credit_consents",
                                    verbose_name="查询机构")
    signed_by = models.CharField("签字人", max_length=50)
    signed_on = models.DateField("签字日期")
    expires_on = models.DateField("有效期至")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "信用查询授权"
        verbose_name_plural = "信用查询授权"
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["household", "institution"], name="consent_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.institution_id}"
