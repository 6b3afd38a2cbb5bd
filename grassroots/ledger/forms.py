"""The reversal form."""


from django import forms

from grassroots.core.form_fields import IdempotentForm


class ReverseForm(IdempotentForm):
    reason = forms.CharField(label="冲正理由", max_length=200, widget=forms.TextInput(attrs={"maxlength": 200}),
                             error_messages={"required": "冲正须写明理由", "max_length": "冲正理由最多200字"})
