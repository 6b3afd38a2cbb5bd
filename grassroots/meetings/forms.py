"""The meetings pages' forms. Attendance is not a Django field: the record page draws one row per member
(``a-<member id>`` = present / excused / absent, ``r-<member id>`` = joined online) and ``attendance_lines``
reads them back."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.core.form_fields import IdempotentForm, field_messages
from grassroots.core.photos import check_photos
from grassroots.meetings.models import Attendance, Kind
from grassroots.meetings.services import MAX_MINUTES, Line
from grassroots.party.models import Organisation


def kind_choices(organisation: Organisation) -> list[tuple[str, str]]:
    if organisation.kind == Organisation.Kind.GROUP:
        return [(Kind.GROUP_MEETING.value, Kind.GROUP_MEETING.label)]
    return [(value, label) for value, label in Kind.choices if value != Kind.GROUP_MEETING]


class MeetingForm(IdempotentForm):
    kind = forms.ChoiceField(label="会议类型", widget=forms.RadioSelect,
                             error_messages=field_messages("会议类型", invalid_choice="会议类型：请从列表中选择"))
    held_on = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                              error_messages=field_messages("日期"))
    place = forms.CharField(label="地点", max_length=100, error_messages=field_messages("地点"))
    topic = forms.CharField(label="主题", max_length=200, error_messages=field_messages("主题"))
    minutes = forms.CharField(label="会议记录", required=False, max_length=MAX_MINUTES,
                              widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, organisation: Organisation, files=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_in = files
        self.fields["kind"].choices = kind_choices(organisation)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            if len(self.fields["kind"].choices) == 1:
                self.initial["kind"] = self.fields["kind"].choices[0][0]

    def clean(self):
        data = super().clean()
        uploads = self.files_in.getlist("photos") if self.files_in is not None else []
        try:
            data["photos"] = check_photos(uploads, label="照片")
        except ValidationError as exc:
            self.add_error(None, exc.messages)
        return data


class MinutesForm(forms.Form):
    minutes = forms.CharField(label="补充会议记录", required=False, max_length=MAX_MINUTES,
                              widget=forms.Textarea(attrs={"rows": 4}))


def attendance_lines(post, member_ids=None) -> list[Line]:
    """The attendance rows posted by the record or correction form. ``member_ids`` limits them to a roll."""
    lines = []
    for key, value in post.items():
        if not key.startswith("a-"):
            continue
        text = key[2:]
        if not (text.isascii() and text.isdecimal() and len(text) <= 16):
            continue
        pk = int(text)
        if member_ids is not None and pk not in member_ids:
            continue
        status = value if value in Attendance.Status.values else ""
        lines.append(Line(pk, status, post.get(f"r-{pk}") == "1" and status == Attendance.Status.PRESENT))
    return lines
