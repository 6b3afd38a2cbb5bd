"""Forms of the party organisation pages: they parse what was typed; the services check the rules."""

from django import forms

from grassroots.core.form_fields import IdempotentForm, photo_field
from grassroots.core.form_fields import field_messages as _msgs
from grassroots.party.models import ModelBranchEvidence, Organisation


def _date(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages=_msgs(label, invalid=f"{label}格式不正确，请写成 2026-03-01"))


def _text(label: str, max_length: int, required: bool = True, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required,
                           error_messages=_msgs(label, max_length=f"{label}不能超过 {max_length} 个字"), **kwargs)


class OrganisationForm(IdempotentForm):
    name = _text("名称", 100)
    code = _text("组织代码", 40, required=False)
    kind = forms.ChoiceField(label="类别", choices=Organisation.Kind.choices, error_messages=_msgs("类别"))
    host = forms.ChoiceField(label="建在", choices=Organisation.Host.choices, initial=Organisation.Host.AREA,
                             error_messages=_msgs("建在"))
    host_name = _text("所在单位", 100, required=False)
    area = _text("所在区域代码", 20, required=False,
                 help_text="不填则与上级党组织相同", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    founded_on = _date("成立日期")
    is_cloud_branch = forms.BooleanField(label="云支部（流动党员线上参加组织生活）", required=False)


class EditForm(forms.Form):
    name = _text("名称", 100)
    code = _text("组织代码", 40, required=False)
    host_name = _text("所在单位", 100, required=False)
    is_cloud_branch = forms.BooleanField(label="云支部（流动党员线上参加组织生活）", required=False)


class MoveForm(forms.Form):
    parent = forms.TypedChoiceField(label="新的上级党组织", coerce=int, error_messages=_msgs("新的上级党组织"))

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", "请选择")] + [(o.pk, f"{o.name}（{o.get_kind_display()}）")
                                                         for o in parents]


class DissolveForm(forms.Form):
    dissolved_on = _date("撤销日期")


class RectificationForm(IdempotentForm):
    identified_on = _date("认定日期")
    reasons = _text("主要问题", 2000, widget=forms.Textarea(attrs={"rows": 3}))
    measures = _text("整顿措施", 2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    responsible = _text("包联责任人", 50, required=False)
    due_on = _date("整顿时限", required=False)


class CompleteForm(forms.Form):
    completed_on = _date("验收日期")
    result = _text("验收意见", 2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PublishForm(forms.Form):
    texts = _text("标准（每行一条）", 5000, widget=forms.Textarea(attrs={"rows": 6}))

    def clean_texts(self):
        return [line.strip() for line in self.cleaned_data["texts"].splitlines() if line.strip()]


class EvidenceForm(forms.Form):
    note = _text("佐证说明", 2000, widget=forms.Textarea(attrs={"rows": 3}))
    photo = photo_field()


class DecideForm(forms.Form):
    verdict = forms.ChoiceField(label="审核", choices=[(ModelBranchEvidence.Verdict.ACCEPTED, "认定"),
                                                     (ModelBranchEvidence.Verdict.RETURNED, "退回补充")],
                                error_messages=_msgs("审核"))
    note = _text("审核意见", 300, required=False)
