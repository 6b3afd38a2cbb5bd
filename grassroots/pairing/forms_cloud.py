"""The cloud branch's form (pairing-relay-new): what the paired village member passes on after a meeting."""

from django import forms

from grassroots.core.form_fields import IdempotentForm, field_messages, photo_field


class RelayForm(IdempotentForm):
    note = forms.CharField(label="传达内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 6}),
                           error_messages=field_messages("传达内容", max_length="传达内容不能超过2000字"),
                           help_text="会议精神、学习要点、需要流动党员做的事")
    link = forms.CharField(label="链接（可选）", required=False, max_length=200,
                           widget=forms.URLInput(attrs={"placeholder": "https://"}))
    photo = photo_field()
