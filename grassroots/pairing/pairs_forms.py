"""The forms of the pairs pages (set up, end, hand out, the village's choice). Every form that writes carries the
idempotency key (core.form_fields.IdempotentForm)."""

from django import forms

from grassroots.core.form_fields import IdempotentForm, field_messages


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages=field_messages(label), **kwargs)


class PairForm(IdempotentForm):
    """One pair of a kind chosen before (a hidden field): the two sides typed as the import names them."""

    kind = forms.CharField(widget=forms.HiddenInput)
    visitor = forms.CharField(label="结对一方", max_length=100, error_messages=field_messages("结对一方"))
    target = forms.CharField(label="结对对象", max_length=100, error_messages=field_messages("结对对象"))
    started_on = date_field("开始日期")
    purpose = forms.CharField(label="包联内容", max_length=200, required=False)

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("kind", rule.code)
        self.fields["visitor"].label = rule.visitor_label
        self.fields["visitor"].help_text = {
            "user": "填写登录账号", "member": "填写党员姓名；同名时写成 姓名/手机号", "unit": "填写单位代码或全称"}[rule.visitor]
        self.fields["target"].label = rule.target_label
        self.fields["target"].help_text = {
            "household": "填写户号，如 SQ-0001；几个嘎查村有同一户号时写成 嘎查村/户号",
            "area": "填写嘎查村社区或网格的区划代码或名称", "member": "填写党员姓名；同名时写成 姓名/手机号",
            "enterprise": "填写统一社会信用代码或企业全称"}[rule.target]
        for name in ("visitor", "target"):
            self.fields[name].widget.attrs.update({"autocomplete": "off", "enterkeyhint": "next"})


class EndPairForm(IdempotentForm):
    ended_on = date_field("结束日期", help_text="结对不再有效的第一天")
    reason = forms.CharField(label="结束原因", max_length=100, error_messages=field_messages("结束原因"))


class AssignForm(IdempotentForm):
    cadres = forms.ModelMultipleChoiceField(label="包联干部", queryset=None, widget=forms.CheckboxSelectMultiple,
                                            error_messages={"required": "请选择至少一名包联干部",
                                                            "invalid_choice": "所选干部不在可选范围内"})
    per_cadre = forms.IntegerField(label="每人包联户数", min_value=1, max_value=100, initial=5,
                                   error_messages=field_messages("每人包联户数", min_value="每人包联户数须在1到100之间",
                                                                 max_value="每人包联户数须在1到100之间"))
    started_on = date_field("开始日期")
    purpose = forms.CharField(label="包联内容", max_length=200, required=False)

    def __init__(self, *args, cadres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadres"].queryset = cadres
        self.fields["cadres"].label_from_instance = lambda u: u.display_name or u.username


class VillageOptionForm(forms.Form):
    show_cadre_publicly = forms.BooleanField(label="在网格公示栏公示每户的包联干部（姓名脱敏，如“于*”）", required=False)
