"""Forms of the love supermarket pages: they parse what was typed; the services check the rules.

Every message names its field (or the row), in Chinese. Money is typed in yuan and handed on in fen.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm
from grassroots.core.form_fields import field_messages as _msgs
from grassroots.core.form_fields import photo_field as _photo_field

DONOR_KINDS = [("pairing_unit", "包联单位"), ("company", "企业"), ("individual", "个人"), ("other", "其他")]
ITEM_ROWS = 5  # blank item rows a stock-in form offers; the counter's script adds more


def fen_of(yuan: Decimal | None) -> int:
    return int((yuan or Decimal(0)) * 100)


class YuanField(forms.DecimalField):
    def __init__(self, *, label: str, **kwargs):
        super().__init__(label=label, max_digits=10, decimal_places=2, min_value=Decimal(0),
                         error_messages={**_msgs(label), "min_value": f"{label}不能为负数",
                                         "max_decimal_places": f"{label}最多精确到分（两位小数）",
                                         "max_digits": f"{label}太大", "max_whole_digits": f"{label}太大"},
                         **kwargs)


class ProductForm(forms.Form):
    name = forms.CharField(label="商品名称", max_length=60, error_messages=_msgs("商品名称"))
    unit = forms.CharField(label="单位", max_length=10, error_messages=_msgs("单位"),
                           widget=forms.TextInput(attrs={"placeholder": "如 提、袋、瓶、个"}))
    price = YuanField(label="价格（元）")
    low_stock = forms.IntegerField(label="库存低于此数时提醒", min_value=0, initial=5,
                                   error_messages={**_msgs("库存提醒数"), "min_value": "库存提醒数不能为负数"})
    photo = _photo_field()

    def clean_price(self):
        price = self.cleaned_data["price"]
        if price <= 0:
            raise ValidationError("价格（元）须大于0")
        return price


def parse_items(data, *, products: dict[int, object]) -> tuple[list[tuple[int, int]], list[str]]:
    """Item rows (repeated ``product`` and ``quantity`` inputs) → ([(product id, quantity)], errors).

    A row left wholly blank is skipped; a half-filled or bad row is an error naming its number.
    """
    items, errors = [], []
    rows = zip(data.getlist("product"), data.getlist("quantity"), strict=False)
    for number, (product, quantity) in enumerate(rows, start=1):
        product, quantity = (product or "").strip(), (quantity or "").strip()
        if not product and not quantity:
            continue
        if not product.isdigit() or int(product) not in products:
            errors.append(f"第{number}行：请选择商品")
            continue
        if not quantity.isdigit() or int(quantity) < 1:
            errors.append(f"第{number}行：数量须为正整数")
            continue
        items.append((int(product), int(quantity)))
    if not items and not errors:
        errors.append("请至少填写一行商品和数量")
    return items, errors


class DonationForm(IdempotentForm):
    donor = forms.CharField(label="捐赠方", max_length=100, error_messages=_msgs("捐赠方"),
                            widget=forms.TextInput(attrs={"placeholder": "单位、企业名称或本人同意公开的姓名"}))
    donor_kind = forms.ChoiceField(label="捐赠方类别", choices=DONOR_KINDS, error_messages=_msgs("捐赠方类别"))
    donated_on = forms.DateField(label="捐赠日期", error_messages=_msgs("捐赠日期"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    value = YuanField(label="价值（元）", required=False)
    note = forms.CharField(label="备注", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    is_public = forms.BooleanField(label="在公示栏公开（捐赠方和物品）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("donated_on", timezone.localdate())

    def clean_donated_on(self):
        day = self.cleaned_data["donated_on"]
        if day > timezone.localdate():
            raise ValidationError("捐赠日期不能晚于今天")
        return day


class PurchaseForm(IdempotentForm):
    receipt_number = forms.CharField(label="票据号", max_length=60, error_messages=_msgs("票据号"))


class StocktakeForm(IdempotentForm):
    """One counted quantity per product (fields ``count_<id>``); a blank count means not counted."""

    reason = forms.CharField(label="差异原因", max_length=200, error_messages=_msgs("差异原因"),
                             widget=forms.TextInput(attrs={"placeholder": "如 过期报损、破损、清点更正"}))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.products = list(products)
        for product in self.products:
            self.fields[f"count_{product.pk}"] = forms.IntegerField(
                label=f"「{product.name}」实盘数量", required=False, min_value=0,
                error_messages={**_msgs(f"「{product.name}」实盘数量"),
                                "min_value": f"「{product.name}」实盘数量不能为负数"})

    def counts(self) -> dict[int, int]:
        return {p.pk: self.cleaned_data[f"count_{p.pk}"] for p in self.products
                if self.cleaned_data.get(f"count_{p.pk}") is not None}

    def clean(self):
        data = super().clean()
        if not any(name.startswith("count_") for name in self.errors) and not self.counts():
            raise ValidationError("请至少填写一种商品的实盘数量")
        return data


class RedeemForm(IdempotentForm):
    """The counter's confirmation: the household and the key; quantities come as ``qty_<product id>``."""

    household = forms.IntegerField(widget=forms.HiddenInput, error_messages=_msgs("兑换户"))


def parse_quantities(data, products) -> tuple[list[tuple[int, int]], list[str]]:
    items, errors = [], []
    for product in products:
        raw = (data.get(f"qty_{product.pk}") or "").strip()
        if raw in ("", "0"):
            continue
        if not raw.isdigit():
            errors.append(f"「{product.name}」数量须为正整数")
            continue
        items.append((product.pk, int(raw)))
    if not items and not errors:
        errors.append("请先选择要兑换的商品")
    return items, errors


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, error_messages=_msgs("原因"))


class PeriodForm(forms.Form):
    start = forms.DateField(label="开始日期", required=False, error_messages=_msgs("开始日期"),
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, error_messages=_msgs("结束日期"),
                          widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError("开始日期不能晚于结束日期")
        return data
