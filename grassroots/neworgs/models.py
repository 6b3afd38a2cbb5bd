"""两新组织 (non-public enterprises and social organisations): the census, the party organisations that cover
them, and the instructor pool with its dispatches.

Every figure is dated, so the four registers (四本台账) are views over these rows and the party registers that
give the answer of any day: a census return holds the employees and full members counted on a day, a coverage
row says which party organisation covered the entity over which days (one joint branch covers several), a
dispatch which instructor served it over which days.
"""

from django.db import models
from django.db.models import Q

QUALIFYING_FULL_MEMBERS = 3  # 正式党员三人以上的, 应当成立党的基层组织 (党章 第三十条)


class NewOrganisation(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", "非公有制企业"
        SOCIAL = "social", "社会组织"

    name = models.CharField("名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    industry = models.CharField("行业", max_length=50, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="new_organisations",
                             verbose_name="所在区域")
    path = models.CharField(max_length=255, help_text="copy of the area's path, for scoping")
    registered_on = models.DateField("纳入台账日期")
    closed_on = models.DateField("注销日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "两新组织"
        verbose_name_plural = "两新组织"
        ordering = ["path", "name"]
        indexes = [models.Index(fields=["path"], name="neworg_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class CensusReturn(models.Model):
    new_organisation = models.ForeignKey(NewOrganisation, on_delete=models.PROTECT, related_name="returns",
                                         verbose_name="两新组织")
    counted_on = models.DateField("统计日期")
    employees = models.PositiveIntegerField("从业人员")
    full_members = models.PositiveIntegerField("正式党员")
    probationary_members = models.PositiveIntegerField("预备党员", default=0)

    class Meta:
        verbose_name = "普查数据"
        verbose_name_plural = "普查数据"
        ordering = ["new_organisation_id", "-counted_on"]
        constraints = [models.UniqueConstraint(fields=["new_organisation", "counted_on"], name="census_return_once")]

    def __str__(self) -> str:
        return f"{self.new_organisation_id} {self.counted_on}"


class Coverage(models.Model):
    """The party organisation that covers a 两新 organisation (单独组建 or 联合组建) over a span of days."""

    new_organisation = models.ForeignKey(NewOrganisation, on_delete=models.PROTECT, related_name="coverages",
                                         verbose_name="两新组织")
    organisation = models.ForeignKey("party.Organisation", on_delete=models.PROTECT, related_name="coverages",
                                     verbose_name="党组织")
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("终止日期", null=True, blank=True)

    class Meta:
        verbose_name = "党组织覆盖"
        verbose_name_plural = "党组织覆盖"
        ordering = ["new_organisation_id", "started_on"]
        constraints = [
            models.UniqueConstraint(fields=["new_organisation"], condition=Q(ended_on__isnull=True),
                                    name="coverage_one_open"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("started_on")),
                                   name="coverage_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.new_organisation_id} ← {self.organisation_id}"


class Instructor(models.Model):
    """党建工作指导员: one of the county's pool."""

    name = models.CharField("姓名", max_length=50)
    person = models.ForeignKey("areas.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="人员")
    employer = models.CharField("工作单位", max_length=100)
    title = models.CharField("职务", max_length=50, blank=True)
    mobile = models.CharField("手机号", max_length=11, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="instructors",
                             verbose_name="所属旗县")
    path = models.CharField(max_length=255, help_text="copy of the area's path, for scoping")
    joined_on = models.DateField("入库日期")
    left_on = models.DateField("退出日期", null=True, blank=True)

    class Meta:
        verbose_name = "党建工作指导员"
        verbose_name_plural = "党建工作指导员"
        ordering = ["path", "name"]
        indexes = [models.Index(fields=["path"], name="instructor_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class Dispatch(models.Model):
    instructor = models.ForeignKey(Instructor, on_delete=models.PROTECT, related_name="dispatches",
                                   verbose_name="指导员")
    new_organisation = models.ForeignKey(NewOrganisation, on_delete=models.PROTECT, related_name="dispatches",
                                         verbose_name="两新组织")
    started_on = models.DateField("选派日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "指导员选派"
        verbose_name_plural = "指导员选派"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["instructor", "new_organisation"], condition=Q(ended_on__isnull=True),
                                    name="dispatch_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.instructor_id} → {self.new_organisation_id}"
