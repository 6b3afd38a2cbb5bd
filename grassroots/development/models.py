"""发展党员: one person's way from application to full membership, each step dated with the meeting that decided it.

The stages are 入党申请人 (applicant) → 入党积极分子 (activist) → 发展对象 (candidate) → 预备党员 (probationary) →
正式党员 (full). The waiting periods between them are pure rules (rules/development.py); the reserve register
(发展党员人选储备) is a view of the activists and candidates. Reaching the probationary stage makes a
``members.Member`` and its first membership; reaching full sets the member's ``full_on``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Stage(models.TextChoices):
    APPLICANT = "applicant", "入党申请人"
    ACTIVIST = "activist", "入党积极分子"
    CANDIDATE = "candidate", "发展对象"
    PROBATIONARY = "probationary", "预备党员"
    FULL = "full", "正式党员"
    STOPPED = "stopped", "终止培养"


class Development(models.Model):
    person = models.ForeignKey("areas.Person", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="developments", verbose_name="人员")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=[("M", "男"), ("F", "女")])
    birth_date = models.DateField("出生日期")
    organisation = models.ForeignKey("party.Organisation", on_delete=models.PROTECT, related_name="developments",
                                     verbose_name="培养党组织")
    stage = models.CharField("当前阶段", max_length=14, choices=Stage.choices, default=Stage.APPLICANT)
    applied_on = models.DateField("递交申请日期")
    member = models.OneToOneField("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="development", verbose_name="党员")
    # The talk the organisation owes an applicant within a month of the application (rules/development.py).
    talked_on = models.DateField("谈话日期", null=True, blank=True)
    talked_by = models.CharField("谈话人", max_length=50, blank=True)
    # Probation extended once (6–12 months), decided on a day by a body.
    extension_months = models.PositiveSmallIntegerField("延长预备期（月）", default=0)
    extended_on = models.DateField("延长决定日期", null=True, blank=True)
    extended_by = models.CharField("延长决定机关", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发展党员"
        verbose_name_plural = "发展党员"
        ordering = ["-applied_on", "-id"]
        indexes = [models.Index(fields=["organisation", "stage"], name="development_org_stage_idx")]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """The day a stage was reached and the meeting (or body) that decided it."""

    development = models.ForeignKey(Development, on_delete=models.PROTECT, related_name="steps", verbose_name="发展党员")
    stage = models.CharField("阶段", max_length=14, choices=Stage.choices)
    decided_on = models.DateField("日期")
    meeting = models.ForeignKey("meetings.Meeting", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="development_steps", verbose_name="决定会议")
    decided_by = models.CharField("决定机关", max_length=100, blank=True,
                                  help_text="支部委员会 / 支部党员大会 / 上级党委, when there is no meeting record")
    note = models.CharField("备注", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "发展步骤"
        verbose_name_plural = "发展步骤"
        ordering = ["development_id", "decided_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["development", "stage"], name="development_step_once"),
            models.CheckConstraint(condition=Q(meeting__isnull=False) | ~Q(decided_by="") | Q(stage="applicant"),
                                   name="development_step_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.decided_on}"
