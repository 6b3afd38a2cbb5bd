"""The forms of the 两新 pages. Every form that writes carries the idempotency key (core.form_fields)."""

from django import forms

from grassroots.core.form_fields import IdempotentForm, field_messages
from grassroots.neworgs.models import NewOrganisation


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           error_messages=field_messages(label), **kwargs)


def count_field(label: str, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=1_000_000, error_messages=field_messages(
        label, min_value=f"{label}不能为负数", max_value=f"{label}过大"), **kwargs)


class NewOrganisationForm(IdempotentForm):
    name = forms.CharField(label="名称", max_length=200, error_messages=field_messages("名称"))
    credit_code = forms.CharField(label="统一社会信用代码", max_length=18, required=False)
    kind = forms.ChoiceField(label="类型", choices=NewOrganisation.Kind.choices)
    industry = forms.CharField(label="行业", max_length=50, required=False)
    area = forms.ModelChoiceField(label="所在区域", queryset=None, error_messages=field_messages("所在区域"))
    registered_on = date_field("纳入台账日期")

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas


class CensusReturnForm(IdempotentForm):
    counted_on = date_field("统计日期")
    employees = count_field("从业人员")
    full_members = count_field("正式党员")
    probationary_members = count_field("预备党员", initial=0)


class CoverForm(IdempotentForm):
    organisation = forms.ModelChoiceField(label="覆盖的党组织", queryset=None,
                                          error_messages=field_messages("覆盖的党组织"))
    started_on = date_field("起始日期")

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class DispatchForm(IdempotentForm):
    instructor = forms.ModelChoiceField(label="指导员", queryset=None, error_messages=field_messages("指导员"))
    new_organisation = forms.ModelChoiceField(label="两新组织", queryset=None, error_messages=field_messages("两新组织"))
    started_on = date_field("选派日期")

    def __init__(self, *args, instructors, new_organisations, fixed: NewOrganisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instructor"].queryset = instructors
        self.fields["new_organisation"].queryset = new_organisations
        if fixed is not None:
            self.fields["new_organisation"].widget = forms.HiddenInput()
            self.initial["new_organisation"] = fixed.pk


class EndForm(IdempotentForm):
    """Ends a dated row: a coverage, a dispatch, an instructor's time in the pool, the organisation itself."""

    row = forms.IntegerField(widget=forms.HiddenInput, required=False)
    day = date_field("日期")


class InstructorForm(IdempotentForm):
    name = forms.CharField(label="姓名", max_length=50, error_messages=field_messages("姓名"))
    employer = forms.CharField(label="工作单位", max_length=100, error_messages=field_messages("工作单位"))
    title = forms.CharField(label="职务", max_length=50, required=False)
    mobile = forms.CharField(label="手机号", max_length=20, required=False)
    joined_on = date_field("入库日期")
