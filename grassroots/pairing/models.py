"""包联 · 结对 · 走访: pairs of every kind (dated), the visits made on them, the problems a visit collects (each one a
routed demand), and the cloud branch's relays of meetings to mobile members.

The kinds, their sides and their rhythm are in rules/pairing.py, as is the one definition of due / overdue / missed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.core.storage import private_storage
from grassroots.rules.masking import mask_name
from grassroots.rules.pairing import KIND_CHOICES, KINDS


class Pair(models.Model):
    """Two sides joined for a purpose from ``started_on`` up to ``ended_on`` (exclusive; open while null).

    Exactly one visitor field and one target field are set, as the kind says (rules/pairing.py). ``visitor_key``
    and ``target_key`` ("u12", "m5", "n3" / "h9", "a4", "m7", "e2") name the sides in one column each, so one
    constraint keeps a pair from being set up twice. ``path`` is the target's area path: area roles reach a
    pair through it; the visitor reaches it as its visitor."""

    kind = models.CharField("类型", max_length=24, choices=KIND_CHOICES)
    visitor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="pairs", verbose_name="包联干部")
    visitor_member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="pairs_as_visitor", verbose_name="结对党员")
    visitor_unit = models.ForeignKey("demands.Unit", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="pairs", verbose_name="包联单位")
    household = models.ForeignKey("areas.Household", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="pairs", verbose_name="联系户")
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="pairs",
                             verbose_name="嘎查村社区/网格")
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="pairs_as_target", verbose_name="结对对象")
    enterprise = models.ForeignKey("neworgs.NewOrganisation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="pairs", verbose_name="企业")
    visitor_key = models.CharField(max_length=24)
    target_key = models.CharField(max_length=24)
    path = models.CharField(max_length=255, help_text="the target's area path, for scoping")
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=100, blank=True)
    purpose = models.CharField("包联内容", max_length=200, blank=True)
    organisation = models.ForeignKey("party.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="pairs_set_up", verbose_name="组织单位")
    set_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "结对"
        verbose_name_plural = "结对"
        ordering = ["kind", "path", "id"]
        indexes = [
            models.Index(fields=["path", "kind"], name="pair_path_idx", opclasses=["varchar_pattern_ops", "varchar_pattern_ops"]),
            models.Index(fields=["visitor_user", "started_on"], name="pair_visitor_user_idx"),
            models.Index(fields=["visitor_unit", "started_on"], name="pair_visitor_unit_idx"),
            models.Index(fields=["household", "started_on"], name="pair_household_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["kind", "visitor_key", "target_key"], condition=Q(ended_on__isnull=True),
                                    name="pair_once_while_open"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("started_on")),
                                   name="pair_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.visitor_key}→{self.target_key}"

    @property
    def rule(self):
        return KINDS[self.kind]

    def in_force_on(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)

    @property
    def visitor(self):
        return self.visitor_user or self.visitor_member or self.visitor_unit

    @property
    def target(self):
        return self.household or self.area or self.member or self.enterprise

    @property
    def visitor_name(self) -> str:
        if self.visitor_user_id:
            return self.visitor_user.display_name or self.visitor_user.username
        return str(self.visitor)

    @property
    def masked_visitor_name(self) -> str:
        """For a public page: "于*" (the unit's name is not a person's, and shows whole)."""
        return self.visitor_unit.name if self.visitor_unit_id else mask_name(self.visitor_name)


class Visit(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", "入户走访"
        PHONE = "phone", "电话联系"
        VIDEO = "video", "视频/微信"
        GATHERING = "gathering", "集中座谈"

    pair = models.ForeignKey(Pair, on_delete=models.PROTECT, related_name="visits", verbose_name="结对")
    kind = models.CharField("方式", max_length=12, choices=Kind.choices, default=Kind.HOME)
    visited_at = models.DateTimeField("走访时间")
    visited_on = models.DateField("走访日期", help_text="visited_at's local day: what the windows count")
    path = models.CharField(max_length=255, help_text="copy of the pair's path, for scoping and figures")
    address = models.CharField("地点", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    notes = models.TextField("民情日记", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "走访"
        verbose_name_plural = "走访"
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["pair", "visited_on"], name="visit_pair_day_idx"),
            models.Index(fields=["path", "visited_on"], name="visit_path_day_idx", opclasses=["varchar_pattern_ops", "date_ops"]),
            # The dashboard's visits of a day, by the day they were written (dashboards/sections/pairing.py).
            models.Index(fields=["created_at"], name="visit_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pair_id} {self.visited_on}"


class Help(models.Model):
    """What the visitor did for the people visited: a job found, funds raised, a policy explained."""

    class Kind(models.TextChoices):
        JOB = "job", "就业推荐"
        FUNDS = "funds", "筹集资金物资"
        POLICY = "policy", "政策宣讲"
        ERRAND = "errand", "代办服务"
        OTHER = "other", "其他帮扶"

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="helps", verbose_name="走访")
    kind = models.CharField("帮扶类型", max_length=10, choices=Kind.choices)
    detail = models.CharField("帮扶内容", max_length=200)
    amount = models.DecimalField("金额（元）", max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "帮扶"
        verbose_name_plural = "帮扶"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.detail}"


def _photo_path(instance, filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    """Private (core.storage.private_storage), re-encoded with EXIF stripped (core.photos.check_photo)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photos", verbose_name="走访")
    image = models.FileField("照片", upload_to=_photo_path, storage=private_storage)
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "走访照片"
        verbose_name_plural = "走访照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Problem(models.Model):
    """A problem collected on a visit: filed as a demand (channel 包联干部走访) and routed like any other; its state
    is the demand's."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="problems", verbose_name="走访")
    demand = models.OneToOneField("demands.Demand", on_delete=models.PROTECT, related_name="visit_problem",
                                  verbose_name="诉求")
    path = models.CharField(max_length=255, help_text="copy of the visit's path")
    visited_on = models.DateField(help_text="copy of the visit's day, for the figures of a period")

    class Meta:
        verbose_name = "走访收集问题"
        verbose_name_plural = "走访收集问题"
        ordering = ["id"]
        indexes = [models.Index(fields=["path", "visited_on"], name="problem_path_day_idx",
                                opclasses=["varchar_pattern_ops", "date_ops"])]

    def __str__(self) -> str:
        return f"{self.visit_id} → {self.demand_id}"


class Relay(models.Model):
    """云支部: after a meeting, the village member paired with a mobile member passes it on (a note, a photo, a
    link); the mobile member confirms reading it through a signed link, without an account."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="relays",
                                verbose_name="会议")
    pair = models.ForeignKey(Pair, on_delete=models.PROTECT, related_name="relays", verbose_name="结对")
    note = models.TextField("传达内容")
    link = models.URLField("链接", blank=True)
    photo = models.FileField("照片", upload_to="relays/", storage=private_storage, blank=True)
    relayed_at = models.DateTimeField("传达时间")
    relayed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField("确认已读", null=True, blank=True)

    class Meta:
        verbose_name = "云支部传达"
        verbose_name_plural = "云支部传达"
        ordering = ["-relayed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "pair"], name="relay_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.meeting_id} → {self.pair_id}"


class VillageOption(models.Model):
    """What a village chooses to show: the masked name of a household's pairing cadre on its public grid board."""

    village = models.OneToOneField("areas.Area", on_delete=models.CASCADE, related_name="pairing_option")
    show_cadre_publicly = models.BooleanField("公示包联干部（姓名脱敏）", default=False)

    class Meta:
        verbose_name = "包联公示设置"
        verbose_name_plural = "包联公示设置"

    def __str__(self) -> str:
        return f"{self.village_id} {self.show_cadre_publicly}"
