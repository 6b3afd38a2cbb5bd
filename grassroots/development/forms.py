"""Forms of the development pages."""

from django import forms
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm, field_messages
from grassroots.development.models import Stage
from grassroots.meetings.models import Meeting

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ADVANCE_STAGES = [(s.value, s.label) for s in (Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY, Stage.FULL)]


def _date(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DATE, error_messages=field_messages(label), **kwargs)


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.code}）" if obj.code else obj.name


class RegisterForm(IdempotentForm):
    organisation = OrganisationChoice(label="培养党组织", queryset=None, empty_label="请选择",
                                      error_messages=field_messages("培养党组织"))
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    gender = forms.ChoiceField(label="性别", choices=[("", "请选择"), ("M", "男"), ("F", "女")], required=False)
    birth_date = _date("出生日期", required=False)
    applied_on = _date("递交申请日期")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if not self.is_bound:
            self.initial.setdefault("applied_on", timezone.localdate())


class AdvanceForm(IdempotentForm):
    stage = forms.ChoiceField(label="推进到", choices=ADVANCE_STAGES, error_messages=field_messages("阶段"))
    decided_on = _date("日期（上级党委审批接收预备党员的，填审批日期）")
    meeting = forms.ModelChoiceField(label="决定会议", queryset=Meeting.objects.none(), required=False,
                                     empty_label="（无会议记录，填写决定机关）")
    decided_by = forms.CharField(label="决定机关", max_length=100, required=False,
                                 help_text="如 支部委员会、支部党员大会、上级党委")
    note = forms.CharField(label="备注", max_length=300, required=False)

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["meeting"].label_from_instance = lambda m: f"{m.held_on} {m.get_kind_display()} {m.topic}"


class TalkForm(forms.Form):
    talked_on = _date("谈话日期")
    talked_by = forms.CharField(label="谈话人", max_length=50)


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(label="延长", coerce=int, choices=[(m, f"{m}个月") for m in range(6, 13)])
    decided_on = _date("决定日期")
    decided_by = forms.CharField(label="决定机关", max_length=100, initial="支部党员大会")


class StopForm(forms.Form):
    decided_on = _date("决定日期")
    decided_by = forms.CharField(label="决定机关", max_length=100, initial="支部委员会")
    reason = forms.CharField(label="终止培养原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
