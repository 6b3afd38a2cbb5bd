"""Forms of recording, review and objections."""


from django import forms
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm, IdsField, field_messages, photo_field


class ClaimForm(IdempotentForm):
    """周采分: one deed of one or many people under one rule."""

    people = IdsField(label="人员")
    rule = forms.IntegerField(widget=forms.HiddenInput, error_messages=field_messages("积分项目", required="请选择积分项目"))
    quantity = forms.IntegerField(
        label="数量", initial=1, min_value=1, max_value=1000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 1000}),
        error_messages={"required": "请填写数量", "invalid": "数量须为1到1000之间的整数",
                        "min_value": "数量须为1到1000之间的整数", "max_value": "数量须为1到1000之间的整数"})
    deed_date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages=field_messages("日期", invalid="日期格式应为 年-月-日"))
    note = forms.CharField(label="说明（选填）", required=False, max_length=200,
                           widget=forms.TextInput(attrs={"maxlength": 200, "placeholder": "如：清理村道垃圾"}),
                           error_messages={"max_length": "说明最多200字"})
    photo = photo_field()
    allow_duplicate = forms.BooleanField(label="我已核实，这是另一件事，仍要记录", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("deed_date", timezone.localdate())


class ResubmitForm(IdempotentForm):
    quantity = forms.IntegerField(
        label="数量", min_value=1, max_value=1000, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "请填写数量", "invalid": "数量须为1到1000之间的整数",
                        "min_value": "数量须为1到1000之间的整数", "max_value": "数量须为1到1000之间的整数"})
    note = forms.CharField(label="说明", required=False, max_length=200, error_messages={"max_length": "说明最多200字"})
    photo = photo_field()
    allow_duplicate = forms.BooleanField(label="我已核实，这是另一件事，仍要重新提交", required=False)


class ReviewForm(IdempotentForm):
    claims = IdsField(label="申报", widget=forms.CheckboxSelectMultiple)
    action = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "退回")],
                               error_messages={"required": "请选择通过或退回", "invalid_choice": "请选择通过或退回"})


class ObjectionForm(forms.Form):
    """异议 on a public notice line. ``website`` is a honeypot: people never see it, bots fill it."""

    line = forms.IntegerField(widget=forms.HiddenInput, error_messages=field_messages("条目", required="请选择要提出异议的条目"))
    reason = forms.CharField(label="异议理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
                             error_messages={"required": "请写明异议理由", "max_length": "异议理由最多500字"})
    contact_name = forms.CharField(label="联系人（选填，不公开）", max_length=50, required=False,
                                   error_messages={"max_length": "联系人最多50字"})
    contact_phone = forms.RegexField(
        label="联系电话（选填，不公开）", regex=r"^[0-9+\- ]{5,20}$", required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"invalid": "联系电话格式不正确", "max_length": "联系电话格式不正确"})
    website = forms.CharField(required=False, label="网址（请留空）")


class DecideForm(forms.Form):
    decision = forms.ChoiceField(label="复议结论", choices=[("dismiss", "异议不成立，保留该条"), ("uphold", "异议成立，撤销该条")],
                                 widget=forms.RadioSelect,
                                 error_messages={"required": "请选择复议结论", "invalid_choice": "请选择复议结论"})
    reason = forms.CharField(label="复议意见", max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": "须写明复议意见", "max_length": "复议意见最多500字"})
