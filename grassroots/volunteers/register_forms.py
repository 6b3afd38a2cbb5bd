"""Forms of practice sites, teams and their members, registering volunteers, one's own profile."""

from django import forms

from grassroots.core.form_fields import IdempotentForm
from grassroots.rules import volunteering as rules
from grassroots.volunteers.models import Site, Team


def split_skills(text: str) -> list[str]:
    """"照护老人、理发 维修" → ["照护老人", "理发", "维修"]."""
    for sep in "、，,；;/\n":
        text = text.replace(sep, " ")
    return [s for s in text.split(" ") if s.strip()]


class AvailabilityField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=list(rules.SLOT_LABELS.items()), required=False, label="可服务时间",
                         widget=forms.CheckboxSelectMultiple, **kwargs)


def availability_grid(chosen) -> list[dict]:
    """The weekly grid of availability slots: a row per weekday, a cell per part of the day."""
    chosen = set(chosen or [])
    return [{"label": day_label, "cells": [{"slot": f"{day}_{part}", "label": f"{day_label}{part_label}",
                                            "part": part_label, "on": f"{day}_{part}" in chosen}
                                           for part, part_label in zip(rules.PARTS, rules.PART_LABELS, strict=True)]}
            for day, day_label in zip(rules.WEEKDAYS, rules.WEEKDAY_LABELS, strict=True)]


class SiteForm(IdempotentForm):
    area = forms.CharField(label="所在区域（区划代码）", max_length=20, required=False)
    level = forms.ChoiceField(label="级别", required=False,
                              choices=[("", "按区域自动（中心/所/站）"), (Site.Level.POINT, Site.Level.POINT.label)])
    name = forms.CharField(label="名称", max_length=100)
    address = forms.CharField(label="地址", max_length=200, required=False)
    opening_hours = forms.CharField(label="开放时间", max_length=100, required=False)
    offers = forms.CharField(label="服务内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    phone = forms.CharField(label="联系电话（公开）", max_length=20, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)


class TeamForm(IdempotentForm):
    name = forms.CharField(label="队名", max_length=100)
    site = forms.TypedChoiceField(label="所属阵地", coerce=int, required=False, empty_value=None)
    unit = forms.TypedChoiceField(label="或所属单位", coerce=int, required=False, empty_value=None)
    specialty = forms.ChoiceField(label="服务专长", choices=Team.Specialty.choices)
    description = forms.CharField(label="简介", max_length=300, required=False)
    leader = forms.TypedChoiceField(label="队长（已注册的志愿者）", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, sites=(), units=(), leaders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "—")] + [(s.pk, f"{s.name}（{s.area.name}）") for s in sites]
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]
        self.fields["leader"].choices = [("", "暂不指定")] + [(v.pk, f"{v.name}（{v.area.name}）") for v in leaders]

    def clean(self):
        data = super().clean()
        if not data.get("site") and not data.get("unit"):
            self.add_error("site", "服务队须属于一个实践阵地或一个单位")
        return data


class MemberForm(forms.Form):
    volunteer = forms.TypedChoiceField(label="志愿者", coerce=int)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [(v.pk, f"{v.name}（{v.area.name}）") for v in candidates]


class ProfileFields(forms.Form):
    mobile = forms.CharField(label="手机号", max_length=11, required=False)
    skills = forms.CharField(label="技能特长（用顿号或空格分开）", max_length=200, required=False)
    availability = AvailabilityField()


class RegisterForm(IdempotentForm, ProfileFields):
    """A logged-in person registers themselves: their name and the village or community chosen."""

    name = forms.CharField(label="姓名", max_length=50)
    area = forms.TypedChoiceField(label="注册地（嘎查村、社区）", coerce=int)
    consent = forms.BooleanField(label="我已阅读并同意志愿者注册须知", required=False)
    field_order = ["name", "mobile", "area", "skills", "availability", "consent"]

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "请选择")] + [(a.pk, f"{a.parent.name if a.parent else ''} {a.name}")
                                                         for a in areas]


class ResidentRegisterForm(IdempotentForm, ProfileFields):
    """``MANAGE`` registers a resident from the register, who consented on paper."""

    household = forms.CharField(label="户号", max_length=40)
    name = forms.CharField(label="姓名（该户成员）", max_length=50)
    consent = forms.BooleanField(label="本人已在纸质志愿者注册须知上签字同意", required=False)
    field_order = ["household", "name", "mobile", "skills", "availability", "consent"]
