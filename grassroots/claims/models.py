"""Claims and their review, public notices and objections: how a deed becomes a ledger entry."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from grassroots.areas.models import Area, Household, Person
from grassroots.catalogue.models import RuleVersion
from grassroots.core.storage import private_storage


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
    photo = models.FileField("照片", upload_to=claim_photo_path, storage=private_storage, blank=True)
    recorder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="recorded_claims")
    batch = models.CharField(max_length=32, db_index=True)
    status = models.CharField("状态", max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.IN_REVIEW)
    stage = models.PositiveSmallIntegerField("审核环节", default=0)
    resubmits = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="resubmitted_as")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "points_claim"  # made by the points app before the split
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
        db_table = "points_reviewdecision"  # made by the points app before the split
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
        db_table = "points_notice"  # made by the points app before the split
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
        db_table = "points_noticeline"  # made by the points app before the split
        ordering = ["notice_id", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.claim_id}"


# A reference a resident can read aloud or copy from a phone: no 0/O, 1/I/L.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def objection_reference() -> str:
    """A short human-readable reference for an objection, "YY-XXXXXX" (the year it was filed, then six
    characters): what a resident keeps to look up the committee's decision later."""
    year = timezone.localdate().year % 100
    return f"{year:02d}-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待复议"
    DISMISSED = "dismissed", "异议不成立"
    UPHELD = "upheld", "异议成立"


class Objection(models.Model):
    """异议 against one notice line. The contact details are never shown publicly."""

    line = models.ForeignKey(NoticeLine, on_delete=models.PROTECT, related_name="objections")
    reference = models.CharField("受理编号", max_length=12, unique=True, default=objection_reference,
                                 help_text="给提出异议的群众的查询编号，如 26-7KQ3PX")
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
        db_table = "points_objection"  # made by the points app before the split
        verbose_name = "异议"
        verbose_name_plural = "异议"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}：{self.reason[:20]}"
