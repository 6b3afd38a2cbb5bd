from django.db import models
from django.db.models import Q

from grassroots.rules.masking import mask_id_number, mask_mobile, mask_name


class Level(models.TextChoices):
    REGION = "region", "自治区"
    PREFECTURE = "prefecture", "盟市"
    COUNTY = "county", "旗县区"
    TOWNSHIP = "township", "苏木乡镇街道"
    VILLAGE = "village", "嘎查村社区"
    GRID = "grid", "网格"


class Area(models.Model):
    """One node of the area tree, region down to grid.

    ``path`` is the chain of codes from the root, each followed by "/", so a subtree is
    ``path__startswith=area.path``: one index range scan, whatever the depth.
    """

    code = models.CharField("区划代码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级")
    path = models.CharField(max_length=255, unique=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["path"], name="area_path_prefix_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def ancestors(self) -> models.QuerySet["Area"]:
        """From the root down to this area, inclusive."""
        codes = [c for c in self.path.split("/") if c]
        return Area.objects.filter(code__in=codes).order_by("path")

    def full_name(self) -> str:
        return "".join(a.name for a in self.ancestors() if a.level not in (Level.REGION, Level.PREFECTURE))


class Tag(models.Model):
    """A person category (党员, 网格员, 志愿者 …) or a circumstance tag (低保, 残疾 …).

    Sensitive tags never appear on public pages or in exports for read-only roles.
    """

    class Kind(models.TextChoices):
        CATEGORY = "category", "人员类别"
        CIRCUMSTANCE = "circumstance", "标签"

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    sensitive = models.BooleanField("敏感", default=False)

    class Meta:
        verbose_name = "人员标签"
        verbose_name_plural = "人员标签"
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """户: belongs to one grid. ``path`` copies the grid's path so scoping needs no join."""

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households", limit_choices_to={"level": "grid"},
                             verbose_name="网格")
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="village_households", verbose_name="嘎查村社区")
    path = models.CharField(max_length=255)
    number = models.CharField("户号", max_length=40)
    address = models.CharField("住址", max_length=200)
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="household_number_unique_in_village")]
        indexes = [models.Index(fields=["path", "number"], name="household_path_idx", opclasses=["varchar_pattern_ops", "varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.number}"

    @property
    def head(self):
        return next((m for m in self.members.all() if m.relation == Person.Relation.HEAD), None)


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他"

    class PartyStatus(models.TextChoices):
        NONE = "", "群众"
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members",
                                  verbose_name="户")
    path = models.CharField(max_length=255, help_text="copy of the household's (or home area's) path, for scoping")
    name = models.CharField("姓名", max_length=50)
    name_pinyin = models.CharField(max_length=200)
    name_initials = models.CharField(max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    relation = models.CharField("与户主关系", max_length=12, choices=Relation.choices, default=Relation.OTHER)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    id_number_sealed = models.TextField(blank=True, help_text="AES-GCM sealed; see core.protect")
    id_number_digest = models.CharField(max_length=64, null=True, blank=True)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True)
    mobile = models.CharField("手机号", max_length=11, blank=True)
    party_status = models.CharField("政治面貌", max_length=12, choices=PartyStatus.choices, blank=True, default="")
    is_mobile_member = models.BooleanField("流动党员", default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people", verbose_name="类别与标签")
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["path"], name="person_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_initials"], name="person_initials_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name_pinyin"], name="person_pinyin_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["name"], name="person_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["mobile"], name="person_mobile_idx", condition=~Q(mobile="")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(party_status="") | Q(is_mobile_member=False), name="mobile_member_is_party_member"
            ),
            # Partial: most people have no ID number or mobile on file, and indexing the blanks
            # doubled the index size and halved bulk-load speed (bench/README.md).
            models.UniqueConstraint(fields=["id_number_digest"], condition=Q(id_number_digest__isnull=False),
                                    name="person_id_number_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def is_party_member(self) -> bool:
        return bool(self.party_status)

    def category_codes(self) -> set[str]:
        """Categories the points rules score differently: party member, resident, grid worker …"""
        codes = {t.code for t in self.tags.all() if t.kind == Tag.Kind.CATEGORY}
        codes.add("party_member" if self.party_status else "resident")
        return codes


__all__ = ["Area", "Level", "Tag", "Household", "Person", "mask_id_number"]
