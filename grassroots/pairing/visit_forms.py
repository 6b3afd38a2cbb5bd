"""The phone form of a visit (pairing-visit-new): a few taps. Fixed rows for helps and problems (blank rows are
skipped); every message names the field or the row ("第2个问题：内容不能为空")."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm
from grassroots.core.photos import MAX_PHOTOS
from grassroots.demands.forms import CategoryField, PhotosField
from grassroots.pairing.models import Help, Visit
from grassroots.pairing.services import MAX_NOTES

HELP_ROWS = 3
PROBLEM_ROWS = 3


class VisitForm(IdempotentForm):
    kind = forms.ChoiceField(label="走访方式", choices=Visit.Kind.choices, initial=Visit.Kind.HOME,
                             widget=forms.RadioSelect,
                             error_messages={"required": "请选择走访方式", "invalid_choice": "走访方式：请从列表中选择"})
    visited_at = forms.DateTimeField(
        label="走访时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "请填写走访时间", "invalid": "走访时间格式不正确"})
    address = forms.CharField(label="地点（可不填）", max_length=200, required=False,
                              error_messages={"max_length": "地点不能超过200字"})
    latitude = forms.DecimalField(label="纬度", required=False, min_value=-90, max_value=90, decimal_places=6,
                                  max_digits=9, error_messages={"invalid": "纬度须为数字"},
                                  widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    longitude = forms.DecimalField(label="经度", required=False, min_value=-180, max_value=180, decimal_places=6,
                                   max_digits=9, error_messages={"invalid": "经度须为数字"},
                                   widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    photos = PhotosField(label=f"照片（最多{MAX_PHOTOS}张）")
    notes = forms.CharField(label="民情日记", required=False, strip=True,
                            widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_NOTES}),
                            max_length=MAX_NOTES, error_messages={"max_length": f"民情日记不能超过{MAX_NOTES}字"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs.update({"accept": "image/*", "capture": "environment"})
        if not self.is_bound:
            self.initial.setdefault("visited_at", timezone.localtime().replace(second=0, microsecond=0))
        help_kinds = [("", "（选择帮扶类型）"), *Help.Kind.choices]
        for i in range(HELP_ROWS):
            n = i + 1
            self.fields[f"help_{i}_kind"] = forms.ChoiceField(
                label=f"第{n}条帮扶：类型", choices=help_kinds, required=False,
                error_messages={"invalid_choice": f"第{n}条帮扶：请从列表中选择帮扶类型"})
            self.fields[f"help_{i}_detail"] = forms.CharField(
                label=f"第{n}条帮扶：内容", max_length=200, required=False,
                error_messages={"max_length": f"第{n}条帮扶：内容不能超过200字"})
            self.fields[f"help_{i}_amount"] = forms.DecimalField(
                label=f"第{n}条帮扶：金额（元，可不填）", required=False, min_value=0, max_digits=10, decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
                error_messages={"invalid": f"第{n}条帮扶：金额须为数字", "min_value": f"第{n}条帮扶：金额不能为负数",
                                "max_digits": f"第{n}条帮扶：金额过大", "max_decimal_places": f"第{n}条帮扶：金额最多两位小数",
                                "max_whole_digits": f"第{n}条帮扶：金额过大"})
        for i in range(PROBLEM_ROWS):
            n = i + 1
            self.fields[f"problem_{i}_text"] = forms.CharField(
                label=f"第{n}个问题：内容", required=False, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
                max_length=2000, error_messages={"max_length": f"第{n}个问题：内容不能超过2000字"})
            category = CategoryField()
            category.label = f"第{n}个问题：分类"
            category.error_messages = {**category.error_messages,
                                       "invalid_choice": f"第{n}个问题：所选分类不存在"}
            self.fields[f"problem_{i}_category"] = category
            self.fields[f"problem_{i}_urgent"] = forms.BooleanField(label="急难愁盼", required=False)

    def help_rows(self):
        return [(i + 1, self[f"help_{i}_kind"], self[f"help_{i}_detail"], self[f"help_{i}_amount"])
                for i in range(HELP_ROWS)]

    def problem_rows(self):
        return [(i + 1, self[f"problem_{i}_text"], self[f"problem_{i}_category"], self[f"problem_{i}_urgent"])
                for i in range(PROBLEM_ROWS)]

    def clean(self):
        data = super().clean()
        helps, problems = [], []
        for i in range(HELP_ROWS):
            n = i + 1
            kind, detail = data.get(f"help_{i}_kind") or "", (data.get(f"help_{i}_detail") or "").strip()
            amount = data.get(f"help_{i}_amount")
            if not (kind or detail or amount is not None):
                continue
            if not kind:
                self.add_error(f"help_{i}_kind", f"第{n}条帮扶：请选择帮扶类型")
            if not detail:
                self.add_error(f"help_{i}_detail", f"第{n}条帮扶：内容不能为空")
            helps.append({"kind": kind, "detail": detail, "amount": amount})
        for i in range(PROBLEM_ROWS):
            n = i + 1
            text = (data.get(f"problem_{i}_text") or "").strip()
            category, urgent = data.get(f"problem_{i}_category"), data.get(f"problem_{i}_urgent")
            if not (text or category or urgent):
                continue
            if not text:
                self.add_error(f"problem_{i}_text", f"第{n}个问题：内容不能为空")
            problems.append({"text": text, "category": category, "urgent": bool(urgent)})
        data["helps"], data["problems"] = helps, problems
        if data.get("latitude") is None and data.get("longitude") is not None or (
                data.get("latitude") is not None and data.get("longitude") is None):
            raise ValidationError("位置：纬度和经度须同时填写")
        return data
