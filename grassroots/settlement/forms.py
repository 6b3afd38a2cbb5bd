"""Forms of settlements, the policy, consent and the credit look-up."""

import re
from datetime import timedelta

from django import forms
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm
from grassroots.core.form_fields import field_messages as _msgs
from grassroots.rules.settlement import check_bands, quarter_of
from grassroots.settlement.models import VetoScope, YearEnd

QUARTERS = [(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]

STAR_LEVELS = (5, 4, 3, 2, 1)

CREDIT_FIELDS = {"优秀": "credit_excellent", "良好": "credit_good", "一般": "credit_fair"}

MAX_HONOUR_ROWS = 20

HONOUR_FIELD = re.compile(r"^honour_(\d+)_(name|top|min)$")


def last_finished_quarter(today) -> tuple[int, int]:
    year, quarter = quarter_of(today)
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _year_field(label: str = "年度") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 2000, "max": 2100}),
                              error_messages={**_msgs(label), "invalid": f"{label}须为四位数的年份",
                                              "min_value": f"{label}须为2000到2100之间的年份",
                                              "max_value": f"{label}须为2000到2100之间的年份"})


class ComputeForm(IdempotentForm):
    """季评议: the committees compute a finished quarter of their village."""

    village = forms.TypedChoiceField(label="嘎查村", coerce=int,
                                     error_messages={"required": "请选择嘎查村", "invalid_choice": "请选择本人负责的嘎查村"})
    year = _year_field()
    quarter = forms.TypedChoiceField(label="季度", choices=QUARTERS, coerce=int,
                                     error_messages={"required": "请选择季度", "invalid_choice": "季度须为1到4"})

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.pk, v.name) for v in villages]
        if not self.is_bound:
            year, quarter = last_finished_quarter(timezone.localdate())
            self.initial.setdefault("year", year)
            self.initial.setdefault("quarter", quarter)
            if len(villages) == 1:
                self.initial.setdefault("village", villages[0].pk)


class ActionForm(IdempotentForm):
    """A button (recompute, publish) that a double tap must not do twice."""


class CorrectForm(IdempotentForm):
    reason = forms.CharField(label="更正理由", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500,
                                                          "placeholder": "如：复核发现重复记录，已冲正"}),
                             error_messages={"required": "请写明更正理由", "max_length": "更正理由最多500字"})


class YearCloseForm(forms.Form):
    confirm = forms.BooleanField(label="我已核对，确认办理年末结转", error_messages={"required": "请勾选确认后再办理年末结转"})


class PolicyForm(forms.Form):
    """The village's settlement and honour rules as rows of inputs; ``clean`` builds the lists the
    service stores and checks them with the same rule the service applies."""

    threshold = forms.IntegerField(
        label="季度兑换门槛（分）", min_value=1, max_value=100000, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={**_msgs("兑换门槛"), "invalid": "兑换门槛须为1到100000之间的整数",
                        "min_value": "兑换门槛须为1到100000之间的整数", "max_value": "兑换门槛须为1到100000之间的整数"})
    points_per_yuan = forms.IntegerField(
        label="兑换比例（几分兑换1元）", min_value=1, max_value=1000, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={**_msgs("兑换比例"), "invalid": "兑换比例须为1到1000之间的整数（几分兑换1元）",
                        "min_value": "兑换比例须为1到1000之间的整数（几分兑换1元）",
                        "max_value": "兑换比例须为1到1000之间的整数（几分兑换1元）"})
    year_end = forms.ChoiceField(label="年末未兑换的积分", choices=YearEnd.choices, widget=forms.RadioSelect,
                                 error_messages={"required": "请选择年末处理方式", "invalid_choice": "年末处理方式无效"})
    veto_scope = forms.ChoiceField(label="有否决项目的户", choices=VetoScope.choices, widget=forms.RadioSelect,
                                   error_messages={"required": "请选择否决项目的影响范围",
                                                   "invalid_choice": "否决项目影响范围无效"})

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group_errors: dict[str, list[str]] = {}
        for stars in STAR_LEVELS:
            self.fields[f"star_{stars}"] = _score_field(f"{stars}星级文明户分数线")
        for band, name in CREDIT_FIELDS.items():
            self.fields[name] = _score_field(f"信用等级“{band}”分数线")
        for i in range(self._honour_rows(policy)):
            n = i + 1
            self.fields[f"honour_{i}_name"] = forms.CharField(
                label=f"第{n}项荣誉名称", max_length=30, required=False,
                error_messages={"max_length": f"第{n}项荣誉名称最多30字"})
            self.fields[f"honour_{i}_top"] = forms.IntegerField(
                label=f"第{n}项荣誉名额", min_value=1, required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "不限"}),
                error_messages={"invalid": f"第{n}项荣誉名额须为正整数", "min_value": f"第{n}项荣誉名额至少为1"})
            self.fields[f"honour_{i}_min"] = _score_field(f"第{n}项荣誉最低积分")
        if policy is not None and not self.is_bound:
            self.initial.update(threshold=policy.threshold, points_per_yuan=policy.points_per_yuan,
                                year_end=policy.year_end, veto_scope=policy.veto_scope)
            for band in policy.star_bands:
                self.initial[f"star_{band['stars']}"] = band["min"]
            for band in policy.credit_bands:
                if band["band"] in CREDIT_FIELDS:
                    self.initial[CREDIT_FIELDS[band["band"]]] = band["min"]
            for i, honour in enumerate(policy.honours):
                self.initial.update({f"honour_{i}_name": honour.get("name", ""), f"honour_{i}_top": honour.get("top"),
                                     f"honour_{i}_min": honour.get("min")})

    def _honour_rows(self, policy) -> int:
        """Bound: as many rows as were posted; fresh: the policy's honours and two empty rows."""
        if self.is_bound:
            posted = [int(m.group(1)) for key in self.data if (m := HONOUR_FIELD.match(key))]
            return min(max(posted, default=-1) + 1, MAX_HONOUR_ROWS)
        return min(len(policy.honours if policy is not None else []) + 2, MAX_HONOUR_ROWS)

    def star_fields(self):
        return [(stars, self[f"star_{stars}"]) for stars in STAR_LEVELS]

    def credit_fields(self):
        return [(band, self[name]) for band, name in CREDIT_FIELDS.items()]

    def honour_rows(self):
        rows = sorted({int(m.group(1)) for name in self.fields if (m := HONOUR_FIELD.match(name))})
        return [(i + 1, self[f"honour_{i}_name"], self[f"honour_{i}_top"], self[f"honour_{i}_min"]) for i in rows]

    def add_group_errors(self, group: str, messages) -> None:
        self.group_errors.setdefault(group, []).extend(messages)

    def clean(self):
        data = super().clean()
        data["star_bands"] = [{"stars": s, "min": data[f"star_{s}"]} for s in STAR_LEVELS
                              if data.get(f"star_{s}") is not None]
        data["credit_bands"] = [{"band": band, "min": data[name]} for band, name in CREDIT_FIELDS.items()
                                if data.get(name) is not None]
        honours = []
        for n, name, top, minimum in self.honour_rows():
            title = (data.get(name.name) or "").strip()
            if not title and (data.get(top.name) is not None or data.get(minimum.name) is not None):
                self.add_error(name.name, f"第{n}项荣誉：请填写名称，或清空这一行")
            elif title:
                honour = {"name": title, "min": data.get(minimum.name) or 0}
                if data.get(top.name) is not None:
                    honour["top"] = data[top.name]
                honours.append(honour)
        data["honours"] = honours
        for group, message in check_bands(data["star_bands"], data["credit_bands"], honours).items():
            self.add_group_errors(group, [message])
        if self.group_errors:
            raise forms.ValidationError("请按提示修改标红的设置")
        return data

    def changes(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("threshold", "points_per_yuan", "year_end", "veto_scope", "star_bands", "honours",
                                  "credit_bands")}


def _score_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, required=False,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
                              error_messages={"invalid": f"{label}须为整数", "min_value": f"{label}不能为负数"})


class ConsentForm(forms.Form):
    """A household's signed consent that one institution may look up its credit rating."""

    institution = forms.TypedChoiceField(label="授权查询的机构", coerce=int,
                                         error_messages={"required": "请选择授权查询的机构",
                                                         "invalid_choice": "请从列表中选择授权查询的机构"})
    signed_by = forms.ChoiceField(label="签字人（本户成员）",
                                  error_messages={"required": "请选择签字人", "invalid_choice": "签字人须为本户在册成员"})
    signed_on = forms.DateField(label="签字日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages=_msgs("签字日期", invalid="签字日期格式应为 年-月-日"))
    expires_on = forms.DateField(label="有效期至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 error_messages=_msgs("有效期", invalid="有效期格式应为 年-月-日"))

    def __init__(self, *args, institutions=(), members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "请选择")] + [(u.pk, u.name) for u in institutions]
        self.fields["signed_by"].choices = [("", "请选择")] + [(name, name) for name in members]
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("signed_on", today)
            self.initial.setdefault("expires_on", today + timedelta(days=365))


class CreditLookupForm(forms.Form):
    village = forms.CharField(label="嘎查村（12位区划代码或名称）", max_length=100,
                              widget=forms.TextInput(attrs={"placeholder": "如：150426100223 或 赛沁塔拉嘎查"}),
                              error_messages=_msgs("嘎查村", max_length="嘎查村名称最多100字"))
    number = forms.CharField(label="户号", max_length=40, error_messages=_msgs("户号", max_length="户号最多40个字符"))
    year = _year_field("评定年度")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year - 1)
