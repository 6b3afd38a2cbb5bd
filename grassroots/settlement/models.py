"""The village's points policy, quarterly settlements, year close and credit consent."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.areas.models import Area, Household
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
        db_table = "points_pointspolicy"  # made by the points app before the split
        verbose_name = "积分制设置"
        verbose_name_plural = "积分制设置"

    def __str__(self) -> str:
        return f"{self.village} 积分制设置"


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
        db_table = "points_settlement"  # made by the points app before the split
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
        db_table = "points_settlementline"  # made by the points app before the split
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
        db_table = "points_yearclose"  # made by the points app before the split
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
        db_table = "points_creditconsent"  # made by the points app before the split
        verbose_name = "信用查询授权"
        verbose_name_plural = "信用查询授权"
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["household", "institution"], name="consent_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.institution_id}"
