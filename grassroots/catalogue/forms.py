"""Forms of the rule catalogue pages."""


from django import forms
from django.utils import timezone

from grassroots.catalogue.models import CATEGORY_LABELS, CapPeriod, RuleKind, Unit
from grassroots.core.form_fields import field_messages


def _categories_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="适用人员", choices=list(CATEGORY_LABELS.items()), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择适用人员", "invalid_choice": "适用人员须为 党员/群众/网格员"})


class _VersionFields(forms.Form):
    title = forms.CharField(label="项目名称", max_length=100, error_messages=field_messages("项目名称", max_length="项目名称最多100字"))
    kind = forms.ChoiceField(label="类型", choices=RuleKind.choices, error_messages={"invalid_choice": "类型无效"})
    categories = _categories_field()
    points = forms.IntegerField(label="分值（每单位，扣分填负数）", min_value=-1000, max_value=1000,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                error_messages={**field_messages("分值"), "min_value": "分值须在-1000到1000之间",
                                                "max_value": "分值须在-1000到1000之间"})
    unit = forms.ChoiceField(label="单位", choices=Unit.choices, initial=Unit.PER_TIME,
                             error_messages={"invalid_choice": "单位无效"})
    cap = forms.IntegerField(label="封顶分值（选填）", required=False, min_value=1,
                             widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                             error_messages={"invalid": "封顶分值须为正整数", "min_value": "封顶分值须为正整数"})
    cap_period = forms.ChoiceField(label="封顶周期", choices=CapPeriod.choices, required=False,
                                   error_messages={"invalid_choice": "封顶周期无效"})
    evidence_required = forms.BooleanField(label="须附照片", required=False)
    effective_to = forms.DateField(label="失效日期（选填）", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                   error_messages={"invalid": "失效日期格式应为 年-月-日"})
    adoption = forms.TypedChoiceField(label="依据的表决（选填）", required=False, coerce=int, empty_value=None,
                                      error_messages={"invalid_choice": "所选表决不存在"})

    def __init__(self, *args, adoptions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["adoption"].choices = [("", "—")] + [
            (a.pk, f"{a.meeting} {a.held_on:%Y-%m-%d}") for a in adoptions]


class RuleForm(_VersionFields):
    code = forms.CharField(label="编号", max_length=20, error_messages=field_messages("编号", max_length="编号最多20个字符"))
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     error_messages=field_messages("生效日期", invalid="生效日期格式应为 年-月-日"))

    field_order = ["code", "title", "kind", "categories", "points", "unit", "cap", "cap_period", "evidence_required",
                   "effective_from", "effective_to", "adoption"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("effective_from", timezone.localdate())


class ReviseForm(_VersionFields):
    effective_from = forms.DateField(label="新版本生效日期",
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     error_messages=field_messages("新版本生效日期", invalid="生效日期格式应为 年-月-日"))

    field_order = ["effective_from", "title", "kind", "categories", "points", "unit", "cap", "cap_period",
                   "evidence_required", "effective_to", "adoption"]


class AdoptionForm(forms.Form):
    meeting = forms.CharField(label="会议", max_length=100, error_messages=field_messages("会议名称", max_length="会议名称最多100字"),
                              widget=forms.TextInput(attrs={"placeholder": "如：赛沁塔拉嘎查村民代表大会"}))
    held_on = forms.DateField(label="会议日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages=field_messages("会议日期", invalid="会议日期格式应为 年-月-日"))
    votes_for = forms.IntegerField(label="赞成票", min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                   error_messages={**field_messages("赞成票"), "min_value": "赞成票不能为负数"})
    votes_against = forms.IntegerField(label="反对票", min_value=0, initial=0,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                       error_messages={**field_messages("反对票"), "min_value": "反对票不能为负数"})
    votes_abstain = forms.IntegerField(label="弃权票", min_value=0, initial=0,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                       error_messages={**field_messages("弃权票"), "min_value": "弃权票不能为负数"})
    note = forms.CharField(label="说明（选填）", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RuleSetForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, error_messages=field_messages("名称", max_length="名称最多100字"))


class CopyForm(forms.Form):
    template = forms.IntegerField(widget=forms.HiddenInput, error_messages=field_messages("模板", required="请选择模板"))
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     error_messages=field_messages("生效日期", invalid="生效日期格式应为 年-月-日"))
    name = forms.CharField(label="本村细则名称（选填）", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("effective_from", timezone.localdate())
