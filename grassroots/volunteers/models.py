"""志愿服务 · 新时代文明实践: practice sites on the area tree, teams, volunteers (with consent), activities with
sign-ups, check-in and check-out, hours a team leader confirms, and the points claims confirmed hours propose.

Hours are whole minutes (rules/volunteering.py). A sign-up's hours count nowhere until ``confirmed_minutes`` is set;
``Volunteer.confirmed_minutes`` is the running total of them, kept in the same transaction as each confirmation, so
star levels and leaderboards read one row per volunteer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.rules.masking import mask_name
from grassroots.rules.volunteering import SLOT_LABELS, hours_text, star_level


class Site(models.Model):
    """A 新时代文明实践 centre (county), institute (township), station (village or community) or point."""

    class Level(models.TextChoices):
        CENTRE = "centre", "新时代文明实践中心"
        INSTITUTE = "institute", "新时代文明实践所"
        STATION = "station", "新时代文明实践站"
        POINT = "point", "新时代文明实践点"

    level = models.CharField("级别", max_length=12, choices=Level.choices)
    name = models.CharField("名称", max_length=100)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="practice_sites",
                             verbose_name="所在区域")
    path = models.CharField(max_length=255, help_text="the area's path, for scoping")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级阵地")
    address = models.CharField("地址", max_length=200, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True)
    offers = models.TextField("服务内容", blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True, help_text="the site's own number, shown publicly")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "实践阵地"
        verbose_name_plural = "实践阵地"
        ordering = ["path", "level", "name"]
        indexes = [models.Index(fields=["path"], name="vol_site_path_idx", opclasses=["varchar_pattern_ops"])]
        constraints = [
            # One centre per county, one institute per township, one station per village or community; points are many.
            models.UniqueConstraint(fields=["area", "level"], condition=~Q(level="point"), name="vol_site_one_per_area"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A 志愿服务队 of a site or of a unit, with a leader and a specialty."""

    class Specialty(models.TextChoices):
        THEORY = "theory", "理论宣讲"
        POLICY = "policy", "政策宣传"
        CULTURE = "culture", "文化文艺"
        HEALTH = "health", "医疗健身"
        SCIENCE = "science", "科技科普"
        LAW = "law", "法律服务"
        ELDERLY = "elderly", "助老助残"
        ENVIRONMENT = "environment", "生态环保"
        PATROL = "patrol", "平安巡逻"
        EDUCATION = "education", "教育关爱"
        OTHER = "other", "其他"

    name = models.CharField("队名", max_length=100)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="teams",
                             verbose_name="所属阵地")
    unit = models.ForeignKey("demands.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="volunteer_teams", verbose_name="所属单位")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="volunteer_teams",
                             verbose_name="服务区域")
    path = models.CharField(max_length=255, help_text="the area's path, for scoping")
    specialty = models.CharField("服务专长", max_length=16, choices=Specialty.choices, default=Specialty.OTHER)
    description = models.CharField("简介", max_length=300, blank=True)
    leader = models.ForeignKey("Volunteer", null=True, blank=True, on_delete=models.PROTECT, related_name="led_teams",
                               verbose_name="队长")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿服务队"
        verbose_name_plural = "志愿服务队"
        ordering = ["path", "name"]
        indexes = [models.Index(fields=["path"], name="vol_team_path_idx", opclasses=["varchar_pattern_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(site__isnull=False) | Q(unit__isnull=False), name="vol_team_has_owner"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A person who registered as a volunteer, with consent: a resident, a party member or an in-service member.

    ``person`` and ``member`` link to the registers when the volunteer is on them; ``user`` is their account for
    signing up and checking in on a phone. ``area``/``path`` is where they are registered (their village or
    community, or their unit's area)."""

    person = models.OneToOneField("areas.Person", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="volunteer", verbose_name="居民")
    member = models.OneToOneField("members.Member", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="volunteer", verbose_name="党员")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="volunteer", verbose_name="账号")
    name = models.CharField("姓名", max_length=50)
    mobile = models.CharField("手机号", max_length=11, blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="volunteers",
                             verbose_name="注册地")
    path = models.CharField(max_length=255, help_text="the area's path, for scoping")
    skills = models.JSONField("技能特长", default=list, blank=True)
    availability = models.JSONField("可服务时间", default=list, blank=True,
                                    help_text="slot codes of rules/volunteering.py SLOTS, e.g. mon_am")
    consent_at = models.DateTimeField("同意时间")
    consent_version = models.CharField("同意书版本", max_length=20)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    confirmed_minutes = models.PositiveIntegerField("已确认时长（分钟）", default=0)
    is_active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿者"
        verbose_name_plural = "志愿者"
        ordering = ["path", "name", "id"]
        indexes = [
            models.Index(fields=["path", "confirmed_minutes"], name="vol_volunteer_board_idx",
                         opclasses=["varchar_pattern_ops", "int4_ops"]),
            # The leaderboard of a league or a county walks the region's volunteers from the most hours down and stops
            # at the first twenty in the area (bench/README.md: a league 48 → 1.3 ms); a village reads the index above.
            models.Index(models.F("confirmed_minutes").desc(), name="vol_volunteer_hours_idx",
                         condition=Q(is_active=True, confirmed_minutes__gt=0)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def stars(self) -> int:
        return star_level(self.confirmed_minutes)

    @property
    def hours_text(self) -> str:
        return hours_text(self.confirmed_minutes)


class TeamMember(models.Model):
    """A volunteer in a team from ``joined_on`` up to ``left_on`` (exclusive; open while null)."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="members")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="team_memberships")
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)

    class Meta:
        verbose_name = "队员"
        verbose_name_plural = "队员"
        ordering = ["team", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "volunteer"], condition=Q(left_on__isnull=True),
                                    name="vol_team_member_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} @ {self.team_id}"


class Activity(models.Model):
    """A scheduled piece of service: place, time, slots and what is needed."""

    class Status(models.TextChoices):
        OPEN = "open", "报名中"
        CANCELLED = "cancelled", "已取消"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="activities", verbose_name="服务队")
    title = models.CharField("活动名称", max_length=100)
    description = models.TextField("活动内容", blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="volunteer_activities",
                             verbose_name="服务区域")
    path = models.CharField(max_length=255, help_text="the area's path, for scoping")
    place = models.CharField("地点", max_length=200)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    slots = models.PositiveSmallIntegerField("招募人数")
    needs = models.CharField("需要", max_length=200, blank=True, help_text="what volunteers should bring or know")
    auto_checkout_minutes = models.PositiveSmallIntegerField("自动签退（结束后分钟）", default=120)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.OPEN)
    is_public = models.BooleanField("公开展示", default=True)
    demand = models.ForeignKey("demands.Demand", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="volunteer_activities", verbose_name="微心愿/点单")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿活动"
        verbose_name_plural = "志愿活动"
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["path", "starts_at"], name="vol_activity_path_idx",
                         opclasses=["varchar_pattern_ops", "timestamptz_ops"]),
            models.Index(fields=["team", "starts_at"], name="vol_activity_team_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="vol_activity_ends_after_start"),
            models.CheckConstraint(condition=Q(slots__gte=1), name="vol_activity_has_slots"),
        ]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    """A volunteer's place on an activity (or on its waiting list), their attendance and the hours confirmed.

    ``minutes`` is what the check-in and check-out come to (``auto_checkout`` when the system closed it);
    ``confirmed_minutes`` is what the leader confirmed and the only figure that counts anywhere."""

    class Status(models.TextChoices):
        SIGNED = "signed", "已报名"
        WAITING = "waiting", "候补"
        CANCELLED = "cancelled", "已取消"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="signups")
    path = models.CharField(max_length=255, help_text="copy of the activity's path, for scoping")
    served_on = models.DateField(help_text="the activity's local date, for counting by period")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SIGNED)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_out_at = models.DateTimeField("签退时间", null=True, blank=True)
    auto_checkout = models.BooleanField("系统自动签退", default=False)
    minutes = models.PositiveIntegerField("签到时长（分钟）", null=True, blank=True)
    no_show = models.BooleanField("未到", default=False)
    confirmed_minutes = models.PositiveIntegerField("确认时长（分钟）", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        ordering = ["activity", "created_at", "id"]
        indexes = [
            models.Index(fields=["activity", "status"], name="vol_signup_activity_idx"),
            models.Index(fields=["volunteer", "served_on"], name="vol_signup_volunteer_idx"),
            models.Index(fields=["path", "served_on"], name="vol_signup_path_idx",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], condition=Q(status__in=["signed", "waiting"]),
                                    name="vol_signup_one_live"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} → {self.activity_id} {self.get_status_display()}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_minutes is not None


class HoursRule(models.Model):
    """The rule of a village's catalogue that confirmed volunteer hours of its residents are claimed under (e.g.
    "志愿服务 +5 分/小时，每月上限 40"). Set by the village; without one, hours propose nothing there."""

    village = models.OneToOneField("areas.Area", on_delete=models.PROTECT, related_name="volunteer_hours_rule")
    rule = models.ForeignKey("catalogue.Rule", on_delete=models.PROTECT, related_name="+", verbose_name="积分项目")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "志愿时长积分项目"
        verbose_name_plural = "志愿时长积分项目"

    def __str__(self) -> str:
        return f"{self.village_id}: {self.rule_id}"


class HoursClaim(models.Model):
    """What one confirmed sign-up proposed to the points review: a claim, or why none. One per sign-up, so a rerun
    of the job proposes nothing twice."""

    class Outcome(models.TextChoices):
        PROPOSED = "proposed", "已提交积分审核"
        CAPPED = "capped", "已达封顶，未提交"
        NO_RULE = "no_rule", "所在嘎查村未设志愿积分项目"
        NOT_RESIDENT = "not_resident", "非本嘎查村居民"
        TOO_OLD = "too_old", "超过申报期限"
        NOT_APPLICABLE = "not_applicable", "积分项目不适用于此人"
        CARRIED = "carried", "不足整小时，计入本月累计"

    signup = models.OneToOneField(SignUp, on_delete=models.PROTECT, related_name="hours_claim")
    claim = models.OneToOneField("claims.Claim", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="volunteer_hours")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    hours = models.PositiveSmallIntegerField("计分小时", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "志愿时长积分"
        verbose_name_plural = "志愿时长积分"

    def __str__(self) -> str:
        return f"{self.signup_id}: {self.get_outcome_display()}"


# ================================================================================================ rotas


class Rota(models.Model):
    """A term's timetable of recurring service (校门口·微学堂): each of its teams serves once a week, in groups of
    ``group_min``..``group_max`` members, on the weekly ``slots``, to a timetable of ``subjects``
    (rules/rota.py). A draft until published: publishing makes each turn an activity of its team."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"

    title = models.CharField("排班名称", max_length=100)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="rotas",
                             verbose_name="实践阵地")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="volunteer_rotas",
                             verbose_name="所属区域")
    path = models.CharField(max_length=255, help_text="the area's path, for scoping")
    place = models.CharField("服务地点", max_length=200)
    term_start = models.DateField("开始日期")
    term_end = models.DateField("结束日期")
    slots = models.JSONField("服务时段", default=list, help_text="slot codes of rules/volunteering.py SLOTS")
    start_time = models.TimeField("每次开始")
    end_time = models.TimeField("每次结束")
    group_min = models.PositiveSmallIntegerField("每组最少人数", default=2)
    group_max = models.PositiveSmallIntegerField("每组最多人数", default=3)
    teams_per_slot = models.PositiveSmallIntegerField("每个时段最多服务队数", null=True, blank=True)
    subjects = models.JSONField("服务主题", default=list)
    subjects_by_team = models.BooleanField("各队轮换主题", default=False)
    teams = models.ManyToManyField(Team, related_name="rotas", verbose_name="服务队")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "志愿服务排班"
        verbose_name_plural = "志愿服务排班"
        ordering = ["-term_start", "-id"]
        indexes = [models.Index(fields=["path", "term_start"], name="vol_rota_path_idx",
                                opclasses=["varchar_pattern_ops", "date_ops"])]
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")), name="vol_rota_term_order"),
            models.CheckConstraint(condition=Q(group_min__gte=1) & Q(group_max__gte=models.F("group_min")),
                                   name="vol_rota_group_size"),
        ]

    def __str__(self) -> str:
        return self.title


class RotaTurn(models.Model):
    """One team's turn: a date and slot, the subject, the members chosen; ``activity`` once published."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="turns")
    week = models.PositiveSmallIntegerField("周次")
    date = models.DateField("日期")
    slot = models.CharField("时段", max_length=8)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="rota_turns", verbose_name="服务队")
    subject = models.CharField("主题", max_length=100)
    members = models.ManyToManyField(Volunteer, related_name="rota_turns", verbose_name="当班队员")
    activity = models.OneToOneField(Activity, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="rota_turn")

    class Meta:
        verbose_name = "排班班次"
        verbose_name_plural = "排班班次"
        ordering = ["rota", "date", "slot", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rota", "week", "team"], name="vol_rota_team_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"{self.rota_id} {self.date} {self.team_id}"

    @property
    def slot_label(self) -> str:
        return SLOT_LABELS.get(self.slot, self.slot)


class Dispatch(models.Model):
    """派单: a village's (or community's) staff send an open 微心愿 to a volunteer team; its leader accepts (接单 —
    the wish's claim, demands.WishClaim, made through demands.services.claim_wish) or declines. The rest of the
    lifecycle — done, rated — is the demand's own: this row only records who was asked and what they answered."""

    class Status(models.TextChoices):
        DISPATCHED = "dispatched", "待接单"
        ACCEPTED = "accepted", "已接单"
        DECLINED = "declined", "已婉拒"

    demand = models.ForeignKey("demands.Demand", on_delete=models.PROTECT, related_name="volunteer_dispatches",
                               verbose_name="微心愿")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="dispatches", verbose_name="服务队")
    path = models.CharField(max_length=255, help_text="copy of the demand's path, for scoping")
    note = models.CharField("派单说明", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DISPATCHED)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                      related_name="+")
    dispatched_at = models.DateTimeField("派单时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("接单/婉拒时间", null=True, blank=True)
    decline_reason = models.CharField("婉拒原因", max_length=200, blank=True)
    wish_claim = models.OneToOneField("demands.WishClaim", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="volunteer_dispatch", verbose_name="认领")

    class Meta:
        verbose_name = "派单"
        verbose_name_plural = "派单"
        ordering = ["-dispatched_at", "-id"]
        indexes = [models.Index(fields=["team", "status"], name="vol_dispatch_team_idx")]
        constraints = [
            # One wish waits on one team at a time.
            models.UniqueConstraint(fields=["demand"], condition=Q(status="dispatched"), name="vol_dispatch_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} → {self.team_id} {self.get_status_display()}"
