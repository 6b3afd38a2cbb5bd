"""The forms of the activity pages: a new activity, the buttons on an activity (sign up, cancel, check
in and out, a no-show, cancelling the activity) and the hours queue. Every form that writes carries the idempotency
key (core.form_fields.IdempotentForm): a tap sent twice on a weak signal does its work once."""

from datetime import datetime

from django import forms
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm, IdsField, field_messages


class ActivityForm(IdempotentForm):
    title = forms.CharField(label="活动名称", max_length=100, error_messages=field_messages("活动名称"))
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                          error_messages=field_messages("日期"))
    starts = forms.TimeField(label="开始时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                             error_messages=field_messages("开始时间"))
    ends = forms.TimeField(label="结束时间", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                           error_messages=field_messages("结束时间"))
    place = forms.CharField(label="地点", max_length=200, error_messages=field_messages("地点"))
    slots = forms.IntegerField(label="招募人数", min_value=1, max_value=500,
                               widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                               error_messages=field_messages("招募人数", min_value="招募人数至少为1",
                                                             max_value="招募人数不超过500"))
    needs = forms.CharField(label="需要准备", max_length=200, required=False, help_text="如：带上扫帚和手套")
    description = forms.CharField(label="活动内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    auto_checkout_minutes = forms.IntegerField(
        label="自动签退（活动结束后多少分钟）", min_value=0, max_value=24 * 60, initial=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="忘记签退的，到时按活动结束时间自动签退并标记",
        error_messages=field_messages("自动签退时间", min_value="自动签退时间不能为负数",
                                      max_value="自动签退时间须在活动结束后24小时内"))
    is_public = forms.BooleanField(label="在公开日历上展示（姓名打码）", required=False, initial=True)

    def moments(self) -> tuple[datetime, datetime]:
        data = self.cleaned_data
        return (timezone.make_aware(datetime.combine(data["day"], data["starts"])),
                timezone.make_aware(datetime.combine(data["day"], data["ends"])))


class ActionForm(IdempotentForm):
    """One button on an activity page: ``signup`` names the sign-up acted on (none for signing up)."""

    signup = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2 ** 53 - 1)


class ConfirmForm(IdempotentForm):
    """The hours queue: the sign-ups ticked (or all of one volunteer's, ``volunteer``), each with its hours in the
    ``hours_<id>`` field (read by the view)."""

    signups = IdsField(label="要确认的服务记录", required=False)
    volunteer = forms.IntegerField(required=False, min_value=1, max_value=2 ** 53 - 1)
