"""Forms of the member register pages: they parse what was typed; the services check the rules."""

from django import forms
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm
from grassroots.core.form_fields import field_messages as _msgs
from grassroots.members.models import Member, MobileContact, Post
from grassroots.party.models import Organisation


def date_field(label: str, *, required: bool = True, today: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, error_messages=_msgs(label),
                           initial=timezone.localdate if today else None,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.code}）" if obj.code else obj.name


class SendTransferForm(IdempotentForm):
    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none(), error_messages=_msgs("党员"))
    to_organisation = OrganisationChoice(label="转入旗县内党组织", required=False, queryset=Organisation.objects.none(),
                                         error_messages=_msgs("转入党组织"))
    to_outside = forms.CharField(label="或：转往旗县外的接收单位", required=False, max_length=200)
    letter_number = forms.CharField(label="介绍信编号", required=False, max_length=40)
    sent_on = date_field("转出日期")
    note = forms.CharField(label="备注", required=False, max_length=300)

    def __init__(self, *args, members, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["to_organisation"].queryset = receivers


class ReceiveForm(forms.Form):
    received_on = date_field("接收日期")


class EndMembershipForm(forms.Form):
    REASONS = [(v, label) for v, label in Member.LeftReason.choices if v != Member.LeftReason.TRANSFERRED_OUT]
    reason = forms.ChoiceField(label="离开原因", choices=REASONS, error_messages=_msgs("离开原因"))
    ended_on = date_field("离开日期")


class MobileForm(IdempotentForm):
    place = forms.CharField(label="流入地", max_length=200, error_messages=_msgs("流入地"))
    since = date_field("外出日期")
    contact = forms.CharField(label="联系方式", required=False, max_length=50)
    cloud_branch = OrganisationChoice(label="云支部", required=False, queryset=Organisation.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cloud_branch"].queryset = Organisation.objects.filter(is_cloud_branch=True).order_by("path")


class ContactForm(IdempotentForm):
    contacted_on = date_field("联系日期")
    method = forms.ChoiceField(label="方式", choices=MobileContact.Method.choices, error_messages=_msgs("方式"))
    note = forms.CharField(label="情况", required=False, max_length=300)


class PostForm(IdempotentForm):
    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none(), error_messages=_msgs("党员"))
    title = forms.ChoiceField(label="职务", choices=Post.Title.choices, error_messages=_msgs("职务"))
    started_on = date_field("任职日期")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class EndPostForm(forms.Form):
    ended_on = date_field("离任日期")


class HoursForm(IdempotentForm):
    hours = forms.DecimalField(label="服务时长（小时）", max_digits=5, decimal_places=1, min_value=0.1,
                               error_messages={**_msgs("服务时长"), "min_value": "服务时长须大于0",
                                               "max_decimal_places": "服务时长最多一位小数"})
