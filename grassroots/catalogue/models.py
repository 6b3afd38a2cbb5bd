"""The rule catalogue (积分细则): rule sets, their adoptions by a meeting, rules and dated versions."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.areas.models import Area


class RuleSet(models.Model):
    """积分细则: a village's catalogue, or a template a township or county publishes for villages to copy."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="rule_sets")
    path = models.CharField(max_length=255)
    name = models.CharField("名称", max_length=100)
    is_template = models.BooleanField("模板", default=False)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="copies")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "points_ruleset"  # made by the points app before the split
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
        db_table = "points_adoption"  # made by the points app before the split
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
        db_table = "points_rule"  # made by the points app before the split
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
        db_table = "points_ruleversion"  # made by the points app before the split
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
