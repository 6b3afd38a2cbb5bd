"""三会一课 and 主题党日: meetings of each kind, their attendance, and the photos that go with the minutes.

The rhythm each organisation must keep (rules/meetings.py) turns these rows into the compliance view.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from grassroots.core.storage import private_storage


class Kind(models.TextChoices):
    BRANCH_ASSEMBLY = "branch_assembly", "支部党员大会"
    BRANCH_COMMITTEE = "branch_committee", "支委会"
    GROUP_MEETING = "group_meeting", "党小组会"
    PARTY_LECTURE = "party_lecture", "党课"
    THEME_DAY = "theme_day", "主题党日"


class Meeting(models.Model):
    organisation = models.ForeignKey("party.Organisation", on_delete=models.PROTECT, related_name="meetings",
                                     verbose_name="党组织")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    held_on = models.DateField("日期")
    place = models.CharField("地点", max_length=100)
    topic = models.CharField("主题", max_length=200)
    minutes = models.TextField("会议记录", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "组织生活"
        verbose_name_plural = "组织生活"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["organisation", "kind", "held_on"], name="meeting_org_kind_day_idx")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}"


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        EXCUSED = "excused", "请假"
        ABSENT = "absent", "缺席"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance", verbose_name="会议")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="attendance",
                               verbose_name="党员")
    status = models.CharField("出席情况", max_length=8, choices=Status.choices)
    # A mobile member who joined through the cloud branch or a video call.
    remote = models.BooleanField("线上参加", default=False)

    class Meta:
        verbose_name = "出席情况"
        verbose_name_plural = "出席情况"
        ordering = ["meeting_id", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once"),
            models.CheckConstraint(condition=Q(remote=False) | Q(status="present"), name="attendance_remote_is_present"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.get_status_display()}"


def _photo_path(photo, filename: str) -> str:
    return f"meetings/{photo.meeting_id}/{filename}"


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="photos", verbose_name="会议")
    image = models.FileField("照片", upload_to=_photo_path, storage=private_storage)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name
