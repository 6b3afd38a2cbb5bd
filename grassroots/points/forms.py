"""Forms of the points pages: they parse what was typed; the services check the rules.

Every message names its field, in Chinese.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.api.ids import MAX_ID
from grassroots.core.photos import check_photo
from grassroots.points.models import CATEGORY_LABELS, CapPeriod, RuleKind, Unit

MAX_PHOTO_BYTES = 8 * 1024 * 1024


def _msgs(label: str, **extra) -> dict:
    return {"required": f"请填写{label}", "invalid": f"{label}格式不正确", **extra}


class IdempotentForm(forms.Form):
    """A create a phone may retry carries a key made when the form was drawn; the view runs it once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class IdsField(forms.Field):
    """A list of ids from repeated inputs (checkboxes) or a hidden field."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, label: str, **kwargs):
        super().__init__(label=label, **kwargs)
        self.error_messages["required"] = f"请选择{label}"

    def to_python(self, value):
        values = value if isinstance(value, (list, tuple)) else ([value] if value else [])
        ids = []
        for v in values:
            text = str(v).strip()
            # isdecimal, not isdigit: int("²") fails; the API's bound, so an id past what SQLite can
            # bind (OverflowError) is refused here rather than answered 500.
            if not (text.isascii() and text.isdecimal() and len(text) <= 16 and 1 <= int(text) <= MAX_ID):
                raise ValidationError(f"{self.label}：编号无效")
            ids.append(int(text))
        return ids


class PhotoField(forms.ImageField):
    default_error_messages = {
        "invalid_image": "照片：请上传图片（jpg、png 等）",
        "invalid": "照片：请上传图片（jpg、png 等）",
        "empty": "照片：文件是空的",
        "missing": "照片：没有收到文件",
    }

    def clean(self, data, initial=None):
        """The photo re-encoded (``core.photos.CheckedPhoto``: EXIF, the phone's GPS position and
        camera tags dropped), or ``None``."""
        value = super().clean(data, initial)
        if value and getattr(value, "size", 0) > MAX_PHOTO_BYTES:
            raise ValidationError(f"照片：不能超过{MAX_PHOTO_BYTES // (1024 * 1024)}MB")
        if not value:
            return None
        return check_photo(value, label="照片", max_bytes=MAX_PHOTO_BYTES)


def _photo_field() -> PhotoField:
    return PhotoField(label="照片", required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/*", "capture": "environment"}))


class ClaimForm(IdempotentForm):
    """周采分: one deed of one or many people under one rule."""

    people = IdsField(label="人员")
    rule = forms.IntegerField(widget=forms.HiddenInput, error_messages=_msgs("积分项目", required="请选择积分项目"))
    quantity = forms.IntegerField(
        label="数量", initial=1, min_value=1, max_value=1000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1, "max": 1000}),
        error_messages={"required": "请填写数量", "invalid": "数量须为1到1000之间的整数",
                        "min_value": "数量须为1到1000之间的整数", "max_value": "数量须为1到1000之间的整数"})
    deed_date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages=_msgs("日期", invalid="日期格式应为 年-月-日"))
    note = forms.CharField(label="说明（选填）", required=False, max_length=200,
                           widget=forms.TextInput(attrs={"maxlength": 200, "placeholder": "如：清理村道垃圾"}),
                           error_messages={"max_length": "说明最多200字"})
    photo = _photo_field()
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
    photo = _photo_field()
    allow_duplicate = forms.BooleanField(label="我已核实，这是另一件事，仍要重新提交", required=False)


class ReviewForm(IdempotentForm):
    claims = IdsField(label="申报", widget=forms.CheckboxSelectMultiple)
    action = forms.ChoiceField(choices=[("approve", "通过"), ("reject", "退回")],
                               error_messages={"required": "请选择通过或退回", "invalid_choice": "请选择通过或退回"})


def _categories_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="适用人员", choices=list(CATEGORY_LABELS.items()), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择适用人员", "invalid_choice": "适用人员须为 党员/群众/网格员"})


class _VersionFields(forms.Form):
    title = forms.CharField(label="项目名称", max_length=100, error_messages=_msgs("项目名称", max_length="项目名称最多100字"))
    kind = forms.ChoiceField(label="类型", choices=RuleKind.choices, error_messages={"invalid_choice": "类型无效"})
    categories = _categories_field()
    points = forms.IntegerField(label="分值（每单位，扣分填负数）", min_value=-1000, max_value=1000,
                                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                error_messages={**_msgs("分值"), "min_value": "分值须在-1000到1000之间",
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
    code = forms.CharField(label="编号", max_length=20, error_messages=_msgs("编号", max_length="编号最多20个字符"))
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     error_messages=_msgs("生效日期", invalid="生效日期格式应为 年-月-日"))

    field_order = ["code", "title", "kind", "categories", "points", "unit", "cap", "cap_period", "evidence_required",
                   "effective_from", "effective_to", "adoption"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("effective_from", timezone.localdate())


class ReviseForm(_VersionFields):
    effective_from = forms.DateField(label="新版本生效日期",
                                     widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     error_messages=_msgs("新版本生效日期", invalid="生效日期格式应为 年-月-日"))

    field_order = ["effective_from", "title", "kind", "categories", "points", "unit", "cap", "cap_period",
                   "evidence_required", "effective_to", "adoption"]


class AdoptionForm(forms.Form):
    meeting = forms.CharField(label="会议", max_length=100, error_messages=_msgs("会议名称", max_length="会议名称最多100字"),
                              widget=forms.TextInput(attrs={"placeholder": "如：赛沁塔拉嘎查村民代表大会"}))
    held_on = forms.DateField(label="会议日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages=_msgs("会议日期", invalid="会议日期格式应为 年-月-日"))
    votes_for = forms.IntegerField(label="赞成票", min_value=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                   error_messages={**_msgs("赞成票"), "min_value": "赞成票不能为负数"})
    votes_against = forms.IntegerField(label="反对票", min_value=0, initial=0,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                       error_messages={**_msgs("反对票"), "min_value": "反对票不能为负数"})
    votes_abstain = forms.IntegerField(label="弃权票", min_value=0, initial=0,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                                       error_messages={**_msgs("弃权票"), "min_value": "弃权票不能为负数"})
    note = forms.CharField(label="说明（选填）", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RuleSetForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, error_messages=_msgs("名称", max_length="名称最多100字"))


class CopyForm(forms.Form):
    template = forms.IntegerField(widget=forms.HiddenInput, error_messages=_msgs("模板", required="请选择模板"))
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     error_messages=_msgs("生效日期", invalid="生效日期格式应为 年-月-日"))
    name = forms.CharField(label="本村细则名称（选填）", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("effective_from", timezone.localdate())


class ObjectionForm(forms.Form):
    """异议 on a public notice line. ``website`` is a honeypot: people never see it, bots fill it."""

    line = forms.IntegerField(widget=forms.HiddenInput, error_messages=_msgs("条目", required="请选择要提出异议的条目"))
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


class ReverseForm(IdempotentForm):
    reason = forms.CharField(label="冲正理由", max_length=200, widget=forms.TextInput(attrs={"maxlength": 200}),
                             error_messages={"required": "冲正须写明理由", "max_length": "冲正理由最多200字"})
