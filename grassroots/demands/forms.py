"""Forms parse and check what a person typed; messages name the field, in Chinese."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from grassroots.core.photos import MAX_PHOTOS, check_photos
from grassroots.demands import services
from grassroots.demands.models import Category, Demand, Feedback, Unit
from grassroots.demands.services import MAX_NOTE, MAX_TEXT, clean_contact_phone, clean_text


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return check_photos(files, label="照片")


def _required(label: str) -> dict:
    return {"required": f"请填写{label}"}


class CategoryField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Category.objects.filter(is_active=True), required=False, label="分类",
                         empty_label="（不确定，由工作人员分类）",
                         error_messages={"invalid_choice": "分类：所选分类不存在", "invalid_pk_value": "分类：所选分类不存在"},
                         **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not str(value).isdigit():
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class _DemandFields(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=Demand.Kind.choices, initial=Demand.Kind.DEMAND,
                             error_messages={"invalid_choice": "类型：请选择需求、微心愿、投诉或建议"})
    category = CategoryField()
    urgent = forms.BooleanField(label="急难愁盼（紧急、困难、揪心、期盼已久）", required=False)
    text = forms.CharField(label="诉求内容", widget=forms.Textarea(attrs={"rows": 5, "maxlength": MAX_TEXT}),
                           strip=True, error_messages=_required("诉求内容"))
    address = forms.CharField(label="地点", max_length=200, required=False,
                              error_messages={"max_length": "地点不能超过200字"})
    contact_name = forms.CharField(label="联系人", max_length=50, required=False,
                                   error_messages={"max_length": "联系人不能超过50字"})
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False,
                                    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
                                    error_messages={"max_length": "联系电话格式不正确"})
    photos = PhotosField(label=f"照片（最多{MAX_PHOTOS}张）")
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.update({"accept": "image/*"})
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_text(self):
        # Checked here and again in the service: the message must name the field and show the size.
        return clean_text(self.cleaned_data.get("text", ""), label="诉求内容", max_length=MAX_TEXT)

    def clean_contact_phone(self):
        return clean_contact_phone(self.cleaned_data.get("contact_phone", ""))


class PublicDemandForm(_DemandFields):
    """The resident's own form, reached from the QR code on the board. No account; a honeypot."""

    website = forms.CharField(required=False, label="网址", widget=forms.TextInput(
        attrs={"autocomplete": "off", "tabindex": "-1"}))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError("提交失败，请稍后再试")
        return ""


class StaffDemandForm(_DemandFields):
    STAFF_CHANNELS = [c for c in Demand.Channel.choices if c[0] not in (Demand.Channel.PUBLIC, Demand.Channel.OPEN311)]

    channel = forms.ChoiceField(label="来源渠道", choices=STAFF_CHANNELS, initial=Demand.Channel.GRID_WORKER,
                                error_messages={"invalid_choice": "来源渠道：请从列表中选择"})
    area = forms.ModelChoiceField(label="所在区域", queryset=None, error_messages={
        "required": "请选择所在区域", "invalid_choice": "所在区域：所选区域不存在或不在您的范围内"})
    latitude = forms.DecimalField(label="纬度", required=False, min_value=-90, max_value=90, decimal_places=6,
                                  max_digits=9, error_messages={"invalid": "纬度须为数字"})
    longitude = forms.DecimalField(label="经度", required=False, min_value=-180, max_value=180, decimal_places=6,
                                   max_digits=9, error_messages={"invalid": "经度须为数字"})
    person = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = ["kind", "text", "category", "urgent", "area", "address", "channel", "contact_name",
                   "contact_phone", "photos"]

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["area"].label_from_instance = lambda a: f"{a.parent.name if a.parent_id and a.level == 'grid' else ''}{a.name}"


class RouteForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label="主办单位", queryset=None, error_messages={
        "required": "请选择主办单位", "invalid_choice": "主办单位：所选单位不存在"})
    supporting_units = forms.ModelMultipleChoiceField(label="协办单位", queryset=None, required=False,
                                                      widget=forms.CheckboxSelectMultiple, error_messages={
                                                          "invalid_choice": "协办单位：所选单位不存在"})
    category = CategoryField()
    reason = forms.CharField(label="改派理由（更换主办单位时必填）", max_length=300, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"max_length": "改派理由不能超过300字"})

    def __init__(self, *args, units, demand: Demand, **kwargs):
        super().__init__(*args, **kwargs)
        self.demand = demand
        self.fields["lead_unit"].queryset = units
        self.fields["supporting_units"].queryset = units
        self.fields["category"].empty_label = "（不变）"
        if demand.lead_unit_id is None:  # the first dispatch: nothing to justify
            self.fields["reason"].label = "派单说明（可不填）"
            self.fields["reason"].error_messages["max_length"] = "派单说明不能超过300字"
        else:
            self.fields["lead_unit"].initial = demand.lead_unit_id

    def clean(self):
        data = super().clean()
        if services.reason_required(self.demand, data.get("lead_unit")) and data.get("lead_unit") \
                and not (data.get("reason") or "").strip():
            self.add_error("reason", f"请填写改派理由（由{self.demand.lead_unit.name}改派至{data['lead_unit'].name}）")
        return data


class HandleForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "开始办理"), ("consult", "协商"), ("note", "办理进展"),
                                        ("resolve", "办结")], error_messages={"invalid_choice": "操作不正确"})
    note = forms.CharField(label="说明", required=False, max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": f"说明不能超过{MAX_NOTE}字"})


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(label="满意度", coerce=int, choices=[(i, f"{i}分") for i in range(5, 0, -1)],
                                    widget=forms.RadioSelect, error_messages={
                                        "required": "请选择满意度", "invalid_choice": "满意度须为1到5分"})
    comment = forms.CharField(label="评价（可不填）", required=False, max_length=500,
                              widget=forms.Textarea(attrs={"rows": 2}), error_messages={"max_length": "评价不能超过500字"})


class CallbackRatingForm(RatingForm):
    source = forms.CharField(widget=forms.HiddenInput, required=False, initial=Feedback.Source.CALLBACK)


class ClaimForm(forms.Form):
    unit = forms.ModelChoiceField(label="以单位名义认领", queryset=Unit.objects.none(), required=False,
                                  empty_label="（以个人名义）", error_messages={"invalid_choice": "认领单位：您不在该单位"})

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class FulfilForm(forms.Form):
    note = forms.CharField(label="实现情况", max_length=MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": "请填写实现情况", "max_length": f"实现情况不能超过{MAX_NOTE}字"})


class PeriodForm(forms.Form):
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"invalid": "开始日期格式不正确"})
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"invalid": "结束日期格式不正确"})

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise ValidationError("开始日期不能晚于结束日期")
        if start and end and (end - start).days > 366 * 5:
            raise ValidationError("统计期间不能超过5年")
        return data
