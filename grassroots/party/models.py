"""The party organisation tree (党委 / 党总支 / 党支部 / 党小组), its status and rectifications, and 最强党支部.

Nothing here is ever deleted: a dissolved organisation keeps its row, its members' dated memberships and its
meetings, so a register asked "as of" a past date still finds it.

Scoping. ``path`` is the organisation's place in the organisation tree: its parent's path followed by
``o<id>/``, or, for an organisation that reports to nobody on the platform, its area's path followed by
``o<id>/``. ``area_path`` copies the path of the area it sits in (a village, a community, a township …). A role
held on an area reaches the organisations whose ``area_path`` lies in its subtree; an organisation secretary,
whose role is held on an organisation, reaches that organisation and every one whose ``path`` lies under it
(``selectors.visible_organisations`` asks both). Area codes are digits, so ``o`` segments never meet an area's.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.core.storage import private_storage


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", "党委"
        GENERAL_BRANCH = "general_branch", "党总支"
        BRANCH = "branch", "党支部"
        GROUP = "group", "党小组"

    class Host(models.TextChoices):
        """What the organisation is built in: an area (village, community, 小区, township), a unit (机关事业单位),
        or a 两新 organisation (a non-public enterprise or a social organisation; see neworgs.Coverage)."""
        AREA = "area", "地域"
        UNIT = "unit", "机关事业单位"
        ENTERPRISE = "enterprise", "非公企业"
        SOCIAL = "social", "社会组织"

    class Status(models.TextChoices):
        NORMAL = "normal", "正常"
        WEAK = "weak", "软弱涣散"
        DISSOLVED = "dissolved", "已撤销"

    name = models.CharField("名称", max_length=100)
    code = models.CharField("组织代码", max_length=40, unique=True, null=True, blank=True,
                            help_text="the county's own code, used to match rows on import")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    host = models.CharField("建在", max_length=12, choices=Host.choices, default=Host.AREA)
    host_name = models.CharField("所在单位", max_length=100, blank=True,
                                 help_text="the unit's or enterprise's name when not built in an area")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_organisations",
                             verbose_name="所在区域")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级党组织")
    path = models.CharField(max_length=255, unique=True)
    area_path = models.CharField(max_length=255)
    founded_on = models.DateField("成立日期")
    dissolved_on = models.DateField("撤销日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.NORMAL)
    # 云支部: an online branch that mobile members attend; it keeps no memberships of its own.
    is_cloud_branch = models.BooleanField("云支部", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="party_org_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["area_path"], name="party_org_area_path_idx", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=models.F("founded_on")),
                                   name="party_org_dissolved_after_founded"),
            models.CheckConstraint(condition=Q(status="dissolved", dissolved_on__isnull=False)
                                   | (~Q(status="dissolved") & Q(dissolved_on__isnull=True)),
                                   name="party_org_dissolved_has_date"),
        ]

    def __str__(self) -> str:
        return self.name

    def exists_on(self, day) -> bool:
        return self.founded_on <= day and (self.dissolved_on is None or day < self.dissolved_on)


class Rectification(models.Model):
    """软弱涣散: an organisation found weak on ``identified_on`` is weak until ``completed_on`` (the day the
    rectification was accepted)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="rectifications",
                                     verbose_name="党组织")
    identified_on = models.DateField("认定日期")
    reasons = models.TextField("主要问题")
    measures = models.TextField("整顿措施", blank=True)
    responsible = models.CharField("包联责任人", max_length=50, blank=True)
    due_on = models.DateField("整顿时限", null=True, blank=True)
    completed_on = models.DateField("验收日期", null=True, blank=True)
    result = models.TextField("验收意见", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "软弱涣散整顿"
        verbose_name_plural = "软弱涣散整顿"
        ordering = ["-identified_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"], condition=Q(completed_on__isnull=True),
                                    name="party_one_open_rectification"),
            models.CheckConstraint(condition=Q(completed_on__isnull=True) | Q(completed_on__gte=models.F("identified_on")),
                                   name="party_rectification_completed_after_identified"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.identified_on}"


class ModelBranchItem(models.Model):
    """One line of the published 最强党支部 checklist of a year."""

    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("序号")
    text = models.CharField("标准", max_length=300)

    class Meta:
        verbose_name = "最强党支部标准"
        verbose_name_plural = "最强党支部标准"
        ordering = ["year", "number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="party_model_item_once")]

    def __str__(self) -> str:
        return f"{self.year}-{self.number} {self.text}"


def _evidence_path(evidence, filename: str) -> str:
    return f"party/evidence/{evidence.organisation_id}/{filename}"


class ModelBranchEvidence(models.Model):
    """What a branch shows for one checklist item; the organisation department accepts or returns it."""

    class Verdict(models.TextChoices):
        PENDING = "pending", "待审核"
        ACCEPTED = "accepted", "已认定"
        RETURNED = "returned", "退回补充"

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="model_evidence",
                                     verbose_name="党支部")
    item = models.ForeignKey(ModelBranchItem, on_delete=models.PROTECT, related_name="evidence", verbose_name="标准")
    note = models.TextField("佐证说明")
    photo = models.FileField("佐证照片", upload_to=_evidence_path, storage=private_storage, blank=True)
    verdict = models.CharField("审核", max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    verdict_note = models.CharField("审核意见", max_length=300, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "最强党支部佐证"
        verbose_name_plural = "最强党支部佐证"
        ordering = ["item__number", "-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "item"], name="party_evidence_once_per_item")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.item_id}"
