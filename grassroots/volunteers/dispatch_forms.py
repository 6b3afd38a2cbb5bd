"""Forms of the village's hours rule, 派单, 接单 (with an optional activity), 婉拒 and done."""

from django import forms
from django.core.exceptions import ValidationError

from grassroots.core.form_fields import IdempotentForm, field_messages
from grassroots.volunteers.models import Team


def _when(label: str, required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, error_messages=field_messages(label),
                               widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


class HoursRuleForm(forms.Form):
    rule = forms.ChoiceField(label="志愿时长积分项目", required=False,
                             error_messages={"invalid_choice": "积分项目：请从列表中选择"})

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "不设（志愿时长不申报积分）")] + [
            (str(r.pk), f"{r.code} {r.current.title}（{r.current.points:+d} 分/小时"
                        + (f"，{r.current.get_cap_period_display()}上限 {r.current.cap} 分" if r.current.cap else "")
                        + "）") for r in rules]


class DispatchForm(IdempotentForm):
    team = forms.ModelChoiceField(label="派给服务队", queryset=Team.objects.none(), empty_label=None,
                                  error_messages={"required": "请选择服务队", "invalid_choice": "服务队：请从列表中选择"})
    note = forms.CharField(label="派单说明（可不填）", max_length=200, required=False,
                           error_messages={"max_length": "派单说明不能超过200字"})

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams if teams is not None else Team.objects.none()


class AcceptForm(IdempotentForm):
    with_activity = forms.BooleanField(label="同时发布一次志愿活动", required=False)
    title = forms.CharField(label="活动名称（可不填，默认用心愿内容）", max_length=100, required=False)
    place = forms.CharField(label="活动地点", max_length=200, required=False)
    starts_at = _when("开始时间")
    ends_at = _when("结束时间")
    slots = forms.IntegerField(label="招募人数", min_value=1, max_value=500, required=False,
                               error_messages=field_messages("招募人数", min_value="招募人数至少为1",
                                                             max_value="招募人数最多500"))

    def clean(self):
        data = super().clean()
        if data.get("with_activity"):
            missing = [self.fields[k].label for k in ("place", "starts_at", "ends_at", "slots") if not data.get(k)]
            if missing:
                raise ValidationError(f"发布活动须填写：{'、'.join(missing)}")
        return data

    def activity(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("with_activity"):
            return None
        return {"title": data["title"], "place": data["place"], "starts_at": data["starts_at"],
                "ends_at": data["ends_at"], "slots": data["slots"]}


class DeclineForm(forms.Form):
    reason = forms.CharField(label="婉拒原因", max_length=200, error_messages=field_messages("婉拒原因"))


class DoneForm(forms.Form):
    note = forms.CharField(label="完成情况", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages=field_messages("完成情况"))
