"""Party members and their dated attachments to organisations.

A ``Membership`` is the member's organisation relation (组织关系) over a half-open span of days
[started_on, ended_on): a member belongs to an organisation on day D when ``started_on <= D`` and ``ended_on`` is
empty or after D. A transfer ends the old row and starts the new one on the same day (the day the receiving end
confirms), so on every date the member is counted in exactly one organisation, and both keep the history. A member
has at most one open membership (a database constraint); nothing is deleted: leaving ends the row with a reason.

A ``HomeReport`` (在职党员双报到) is a second, dated attachment to the community where the member lives: it is
not a membership and never counts in the community's register.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.rules.masking import mask_mobile, mask_name


class Member(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class LeftReason(models.TextChoices):
        DEATH = "death", "去世"
        TRANSFERRED_OUT = "transferred_out", "转出本旗县"
        EXPELLED = "expelled", "开除党籍"
        REMOVED = "removed", "除名"
        WITHDREW = "withdrew", "退党"
        PROBATION_ENDED = "probation_ended", "取消预备党员资格"

    # The resident this member is, when they live in an area on the platform; a member of a unit may live
    # elsewhere and then has no Person.
    person = models.OneToOneField("areas.Person", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="party_member", verbose_name="人员")
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=20, blank=True)
    mobile = models.CharField("手机号", max_length=11, blank=True)
    joined_on = models.DateField("入党日期", help_text="the day they became a probationary member")
    full_on = models.DateField("转正日期", null=True, blank=True)
    left_on = models.DateField("离开日期", null=True, blank=True)
    left_reason = models.CharField("离开原因", max_length=20, choices=LeftReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(full_on__isnull=True) | Q(full_on__gte=models.F("joined_on")),
                                   name="member_full_after_joined"),
            models.CheckConstraint(condition=Q(left_on__isnull=True, left_reason="") | (Q(left_on__isnull=False) & ~Q(left_reason="")),
                                   name="member_left_has_reason"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    def standing_on(self, day) -> str:
        """"probationary", "full" or "" (not a member on ``day``)."""
        if day < self.joined_on or (self.left_on is not None and day >= self.left_on):
            return ""
        return "full" if self.full_on is not None and day >= self.full_on else "probationary"


class Membership(models.Model):
    class EndReason(models.TextChoices):
        TRANSFER = "transfer", "组织关系转出"
        LEFT = "left", "离开党组织"
        REORGANISED = "reorganised", "党组织调整"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="memberships", verbose_name="党员")
    organisation = models.ForeignKey("party.Organisation", on_delete=models.PROTECT, related_name="memberships",
                                     verbose_name="党组织")
    started_on = models.DateField("起始日期")
    ended_on = models.DateField("终止日期", null=True, blank=True)
    end_reason = models.CharField("终止原因", max_length=12, choices=EndReason.choices, blank=True)
    transfer = models.ForeignKey("Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="转接")

    class Meta:
        verbose_name = "组织关系"
        verbose_name_plural = "组织关系"
        ordering = ["member_id", "started_on"]
        # "Members of these organisations on day D" reads only this index on PostgreSQL (ended_on rides along):
        # 1.5 million memberships, a county's count in ~10 ms instead of a 220 ms scan (bench/README.md).
        indexes = [models.Index(fields=["organisation", "started_on"], include=["ended_on"],
                                name="membership_org_day_idx")]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True), name="membership_one_open"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gt=models.F("started_on")),
                                   name="membership_ends_after_start"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True, end_reason="") | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                                   name="membership_end_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.organisation_id} [{self.started_on}, {self.ended_on or ''})"

    def covers(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or day < self.ended_on)


class Transfer(models.Model):
    """组织关系转接: sent by the old organisation, received by the new one. Until it is received the member stays
    in the old organisation; on receipt the old membership ends and the new one starts on the day received.
    A transfer out of the county names the place (``to_outside``) and is closed by the receipt (回执) coming back;
    a transfer in from outside names where it came from (``from_outside``)."""

    class Status(models.TextChoices):
        SENT = "sent", "已转出待接收"
        RECEIVED = "received", "已接收"
        WITHDRAWN = "withdrawn", "已撤回"

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers", verbose_name="党员")
    from_organisation = models.ForeignKey("party.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="transfers_out", verbose_name="转出党组织")
    from_outside = models.CharField("转出单位（旗县外）", max_length=200, blank=True)
    to_organisation = models.ForeignKey("party.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="transfers_in", verbose_name="接收党组织")
    to_outside = models.CharField("接收单位（旗县外）", max_length=200, blank=True)
    letter_number = models.CharField("介绍信编号", max_length=40, blank=True)
    sent_on = models.DateField("转出日期")
    received_on = models.DateField("接收日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.SENT)
    note = models.CharField("备注", max_length=300, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(status="sent"), name="transfer_one_pending"),
            models.CheckConstraint(condition=Q(from_organisation__isnull=False) | ~Q(from_outside=""),
                                   name="transfer_has_a_sender"),
            models.CheckConstraint(condition=Q(to_organisation__isnull=False) | ~Q(to_outside=""),
                                   name="transfer_has_a_receiver"),
            models.CheckConstraint(condition=Q(received_on__isnull=True) | Q(received_on__gte=models.F("sent_on")),
                                   name="transfer_received_after_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.sent_on} {self.get_status_display()}"


class Post(models.Model):
    """A seat in an organisation's committee (班子): secretary, deputy, committee member, group leader; dated."""

    class Title(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY = "deputy", "副书记"
        COMMITTEE = "committee", "委员"
        GROUP_LEADER = "group_leader", "党小组长"

    organisation = models.ForeignKey("party.Organisation", on_delete=models.PROTECT, related_name="posts",
                                     verbose_name="党组织")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="posts", verbose_name="党员")
    title = models.CharField("职务", max_length=14, choices=Title.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)

    class Meta:
        verbose_name = "班子成员"
        verbose_name_plural = "班子成员"
        ordering = ["organisation_id", "title", "started_on"]
        constraints = [
            models.UniqueConstraint(fields=["organisation"], condition=Q(title="secretary", ended_on__isnull=True),
                                    name="post_one_secretary"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.get_title_display()}"


class MobileMember(models.Model):
    """流动党员: a member living away from home. The home organisation is the member's membership; the cloud
    branch (云支部) is where they study online. The village member paired with them to keep in touch is a dated
    ``pairing.Pair`` of kind ``member_mobile`` (visitor: the village member, target: this member): see
    ``members.selectors.partner_of`` and docs/pairing.md "The cloud branch"."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="mobile_spells", verbose_name="党员")
    place = models.CharField("流入地", max_length=200)
    since = models.DateField("外出日期")
    contact = models.CharField("联系方式", max_length=50, blank=True)
    cloud_branch = models.ForeignKey("party.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="cloud_members", verbose_name="云支部",
                                     limit_choices_to={"is_cloud_branch": True})
    returned_on = models.DateField("返回日期", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "流动党员"
        verbose_name_plural = "流动党员"
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(returned_on__isnull=True), name="mobile_one_open_spell"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.place}"


class MobileContact(models.Model):
    """One time someone reached a mobile member (a call, a WeChat message, a visit on their return)."""

    class Method(models.TextChoices):
        CALL = "call", "电话"
        WECHAT = "wechat", "微信"
        VISIT = "visit", "见面"
        CLOUD = "cloud", "云支部活动"

    mobile = models.ForeignKey(MobileMember, on_delete=models.PROTECT, related_name="contacts", verbose_name="流动党员")
    contacted_on = models.DateField("联系日期")
    method = models.CharField("方式", max_length=8, choices=Method.choices)
    note = models.CharField("情况", max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联系记录"
        verbose_name_plural = "联系记录"
        ordering = ["-contacted_on", "-id"]
        indexes = [models.Index(fields=["mobile", "contacted_on"], name="mobile_contact_idx")]

    def __str__(self) -> str:
        return f"{self.mobile_id} {self.contacted_on}"


class HomeReport(models.Model):
    """在职党员双报到: a member of a work unit's organisation also reports to the community (or 小区 branch) where
    they live, and takes on a service there. ``hours`` holds the hours recorded here by hand (service outside the
    volunteer platform); the hours shown add the member's confirmed volunteer sign-ups served in the home area within
    the report's dates, computed on read (volunteers.selectors.home_reports_with_hours), so they never drift."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="home_reports", verbose_name="党员")
    organisation = models.ForeignKey("party.Organisation", on_delete=models.PROTECT, related_name="home_reports",
                                     verbose_name="报到党组织")
    started_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    service = models.CharField("认领服务", max_length=200, blank=True)
    hours = models.DecimalField("服务时长（小时）", max_digits=7, decimal_places=1, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "双报到"
        verbose_name_plural = "双报到"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["member"], condition=Q(ended_on__isnull=True), name="home_report_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.organisation_id}"
