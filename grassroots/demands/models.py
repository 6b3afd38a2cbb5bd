"""Demands (需求清单 · 急难愁盼 · 微心愿): units, the category tree, the responsibility list, demands and
their timeline, micro-wish claims, resident feedback and route changes.

Scoping: a Demand carries ``path`` (a copy of its area's path) like households do, so a scoped list
never needs a join; it also carries its ``township`` and ``county`` so that the overdue list of a
township or county is one range of one index (see the partial indexes below and docs in selectors.py).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from grassroots.core.storage import private_storage
from grassroots.rules.masking import mask_name


class Unit(models.Model):
    """A responsible unit: a banner department, a township office, a pairing unit, a company, a co-operative."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "旗县部门"
        TOWNSHIP_OFFICE = "township_office", "苏木乡镇站所"
        VILLAGE = "village", "嘎查村两委"
        PAIRING_UNIT = "pairing_unit", "包联单位"
        COMPANY = "company", "企业"
        COOPERATIVE = "cooperative", "合作社"
        SOCIAL_ORG = "social_org", "社会组织"
        OTHER = "other", "其他"

    code = models.SlugField("单位代码", max_length=40, unique=True)
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("单位类型", max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="units",
                             help_text="the area the unit belongs to (a banner bureau: the banner)")
    path = models.CharField(max_length=255, help_text="copy of the area's path, for scoping")
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "责任单位"
        verbose_name_plural = "责任单位"
        ordering = ["path", "code"]
        indexes = [models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name


class UnitMember(models.Model):
    """A user who works for a unit (单位工作人员): sees and handles the unit's queue."""

    class Role(models.TextChoices):
        HANDLER = "handler", "承办人"
        HEAD = "head", "负责人"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_memberships")
    role = models.CharField("职责", max_length=12, choices=Role.choices, default=Role.HANDLER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "单位工作人员"
        verbose_name_plural = "单位工作人员"
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="unit_member_once")]

    def __str__(self) -> str:
        return f"{self.unit} · {self.user}"


class Category(models.Model):
    """A node of the configurable category tree (教育, 就业, 农牧业生产 > 种子化肥 …).

    Deadlines left empty inherit from the parent, then from the defaults in rules/sla.py
    (respond within 1 working day, resolve within 7 working days).
    """

    code = models.SlugField("分类代码", max_length=40, unique=True)
    name = models.CharField("分类名称", max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    respond_working_days = models.PositiveSmallIntegerField("响应时限（工作日）", null=True, blank=True)
    resolve_working_days = models.PositiveSmallIntegerField("办结时限（工作日）", null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("在用", default=True)

    class Meta:
        verbose_name = "需求分类"
        verbose_name_plural = "需求分类"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Responsibility(models.Model):
    """One line of the responsibility list (责任清单): category × area → one lead unit (主体责任)
    and any supporting units (配合责任). The most specific line (deepest category, then deepest
    area) routes a demand."""

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="responsibilities")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="responsibilities")
    path = models.CharField(max_length=255, help_text="copy of the area's path")
    lead_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="lead_responsibilities",
                                  verbose_name="主体责任单位")
    supporting_units = models.ManyToManyField(Unit, blank=True, related_name="supporting_responsibilities",
                                              verbose_name="配合责任单位")
    item_number = models.CharField("清单编号", max_length=20, blank=True)
    duty = models.CharField("责任事项", max_length=200, blank=True)

    class Meta:
        verbose_name = "责任清单"
        verbose_name_plural = "责任清单"
        ordering = ["path", "category_id"]
        constraints = [models.UniqueConstraint(fields=["category", "area"], name="responsibility_once_per_area")]

    def __str__(self) -> str:
        return f"{self.category} @ {self.area} → {self.lead_unit}"


class Demand(models.Model):
    class Kind(models.TextChoices):
        DEMAND = "demand", "需求"
        WISH = "wish", "微心愿"
        COMPLAINT = "complaint", "投诉"
        SUGGESTION = "suggestion", "建议"

    class Channel(models.TextChoices):
        GRID_WORKER = "grid_worker", "网格员采集"
        PAIRING_CADRE = "pairing_cadre", "包联干部走访"
        HOTLINE = "hotline", "12345热线"
        MEETING = "meeting", "议事会记录"
        PUBLIC = "public", "群众自主提交"
        OPEN311 = "open311", "Open311接口"

    class Status(models.TextChoices):
        RECEIVED = "received", "已受理"
        CONSULTING = "consulting", "协商中"
        IN_PROGRESS = "in_progress", "办理中"
        RESOLVED = "resolved", "已办结待评价"
        FEEDBACK = "feedback", "已评价"
        CLOSED = "closed", "已关闭"

    class Escalation(models.IntegerChoices):
        NONE = 0, "未升级"
        TOWNSHIP = 1, "苏木乡镇督办"
        COUNTY = 2, "旗县督办"

    OPEN_STATUSES = (Status.RECEIVED, Status.CONSULTING, Status.IN_PROGRESS)

    kind = models.CharField("类型", max_length=12, choices=Kind.choices, default=Kind.DEMAND)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="demands",
                                 verbose_name="分类")
    urgent = models.BooleanField("急难愁盼", default=False)
    priority = models.PositiveSmallIntegerField(default=1, help_text="sort key: 0 urgent, 1 normal")
    text = models.TextField("内容")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="demands", verbose_name="所在区域")
    path = models.CharField(max_length=255, help_text="copy of the area's path, for scoping")
    township = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地点", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    person = models.ForeignKey("areas.Person", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="demands", verbose_name="群众")
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    channel = models.CharField("来源渠道", max_length=16, choices=Channel.choices)
    tracking_code = models.CharField("受理编号", max_length=10, unique=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.RECEIVED)
    lead_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_demands",
                                  verbose_name="主办单位")
    supporting_units = models.ManyToManyField(Unit, blank=True, related_name="supporting_demands",
                                              verbose_name="协办单位")
    responsibility = models.ForeignKey(Responsibility, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="demands")
    respond_due = models.DateTimeField("响应时限", null=True, blank=True)
    resolve_due = models.DateTimeField("办结时限", null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True,
                                  help_text="the clock that runs now: respond_due until responded, then resolve_due")
    responded_at = models.DateTimeField("响应时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField("督办层级", choices=Escalation.choices, default=Escalation.NONE)
    escalated_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    resolution = models.TextField("办理结果", blank=True)
    rating = models.PositiveSmallIntegerField("满意度", null=True, blank=True, help_text="the latest rating, 1–5")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    intake_key = models.CharField(max_length=64, null=True, blank=True, unique=True,
                                  help_text="idempotency key of the device or form that filed it")
    created_at = models.DateTimeField("受理时间", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "需求"
        verbose_name_plural = "需求"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["path"], name="demand_path_idx", opclasses=["varchar_pattern_ops"]),
            # A unit's queue: open items, urgent first, nearest deadline first (keyset on these columns).
            models.Index(fields=["lead_unit", "priority", "due_at", "id"], name="demand_unit_queue_idx",
                         condition=Q(status__in=["received", "consulting", "in_progress"])),
            # Overdue lists of a township and of a county (keyset on due_at, id).
            models.Index(fields=["township", "due_at", "id"], name="demand_township_due_idx",
                         condition=Q(status__in=["received", "consulting", "in_progress"])),
            models.Index(fields=["county", "due_at", "id"], name="demand_county_due_idx",
                         condition=Q(status__in=["received", "consulting", "in_progress"])),
            # The escalation job: open items whose clock has run out and that can still go up a level.
            models.Index(fields=["due_at"], name="demand_escalation_idx",
                         condition=Q(status__in=["received", "consulting", "in_progress"], escalation_level__lt=2)),
            models.Index(fields=["path"], name="demand_wish_board_idx", condition=Q(kind="wish"),
                         opclasses=["varchar_pattern_ops"]),
            # The dashboard's "solved on time" of a day (dashboards/sections/demands.py).
            models.Index(fields=["resolved_at"], name="demand_resolved_idx", condition=Q(resolved_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="demand_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} {self.summary}"

    @property
    def summary(self) -> str:
        text = " ".join(self.text.split())
        return text if len(text) <= 40 else text[:40] + "…"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def masked_contact(self) -> str:
        name = self.person.name if self.person_id and self.person else self.contact_name
        return mask_name(name)


def demand_photo_path(instance, filename: str) -> str:
    return f"demands/{instance.demand_id}/{uuid.uuid4().hex}.{instance.extension}"


class DemandPhoto(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to=demand_photo_path, storage=private_storage, max_length=200)
    extension = models.CharField(max_length=5)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "需求照片"
        verbose_name_plural = "需求照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.image.name}"


class DemandEvent(models.Model):
    """One step on a demand's timeline; the resident follows the public ones with the tracking code."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "已受理"
        ROUTED = "routed", "已派单"
        REROUTED = "rerouted", "改派"
        CONSULTING = "consulting", "协商"
        ACCEPTED = "accepted", "开始办理"
        NOTE = "note", "办理进展"
        RESOLVED = "resolved", "已办结"
        FEEDBACK = "feedback", "群众评价"
        REOPENED = "reopened", "不满意，重新办理"
        CLOSED = "closed", "已关闭"
        ESCALATED = "escalated", "超期督办"
        CLAIMED = "claimed", "心愿被认领"
        CLAIM_REMINDER = "claim_reminder", "认领即将到期提醒"
        CLAIM_LAPSED = "claim_lapsed", "认领已过期"
        CLAIM_RELEASED = "claim_released", "放弃认领"
        FULFILLED = "fulfilled", "心愿已实现"

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("环节", max_length=16, choices=Kind.choices)
    status_after = models.CharField("状态", max_length=12, choices=Demand.Status.choices)
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("群众可见", default=True)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["demand", "at"], name="demand_event_timeline_idx"),
            # The dashboard's "solved" of a day: the resolutions on every timeline (dashboards/sections/demands.py).
            models.Index(fields=["at"], name="demand_event_solved_idx", condition=Q(kind__in=["resolved", "fulfilled"])),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.get_kind_display()}"


class WishClaim(models.Model):
    """A claim of a micro-wish (认领): held by one claimant at a time until it lapses."""

    class Status(models.TextChoices):
        HELD = "held", "认领中"
        FULFILLED = "fulfilled", "已实现"
        RELEASED = "released", "已放弃"
        LAPSED = "lapsed", "已过期"

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wish_claims")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="wish_claims",
                             help_text="set when claimed on behalf of a unit")
    claimant_name = models.CharField("认领人", max_length=100)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.HELD)
    claimed_at = models.DateTimeField("认领时间")
    expires_at = models.DateTimeField("认领到期")
    reminded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "微心愿认领"
        verbose_name_plural = "微心愿认领"
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["demand"], condition=Q(status="held"), name="wish_one_held_claim"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="wish_claim_held_idx", condition=Q(status="held"))]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.claimant_name}"


class Feedback(models.Model):
    """满意度: the resident's rating at feedback. 1 or 2 reopens the demand."""

    class Source(models.TextChoices):
        RESIDENT = "resident", "群众自评"
        CALLBACK = "callback", "回访记录"

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="feedbacks")
    rating = models.PositiveSmallIntegerField("满意度")
    comment = models.CharField("评价", max_length=500, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.RESIDENT)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "满意度评价"
        verbose_name_plural = "满意度评价"
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5")]
        # The dashboard's ratings of a day (dashboards/sections/demands.py).
        indexes = [models.Index(fields=["created_at"], name="feedback_created_idx")]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.rating}"


class RouteChange(models.Model):
    """A dispatcher changed where a demand goes (改派), with the reason."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="route_changes")
    from_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    from_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    from_supporting = models.JSONField(default=list, blank=True)
    to_supporting = models.JSONField(default=list, blank=True)
    reason = models.CharField("改派理由", max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "改派记录"
        verbose_name_plural = "改派记录"
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} → {self.to_unit_id}"


class Notification(models.Model):
    """A reminder or an escalation notice for a unit, a user or an area's overseers (shown on their pages)."""

    class Kind(models.TextChoices):
        CLAIM_REMINDER = "claim_reminder", "认领即将到期"
        CLAIM_LAPSED = "claim_lapsed", "认领已过期"
        ESCALATED = "escalated", "超期督办"
        REOPENED = "reopened", "群众不满意重办"
        DISPATCHED = "dispatched", "新派单"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="demand_notifications")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notification_user_idx"),
            models.Index(fields=["unit", "created_at"], name="notification_unit_idx"),
            models.Index(fields=["area", "created_at"], name="notification_area_idx"),
        ]

    def __str__(self) -> str:
        return self.message
