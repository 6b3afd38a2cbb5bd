from django import forms


class ImportForm(forms.Form):
    village = forms.ModelChoiceField(label="导入到", queryset=None, to_field_name="code", empty_label=None)
    file = forms.FileField(
        label="户籍表（.xlsx）",
        allow_empty_file=True,  # services.submit_import refuses it, on the job page like any other bad file
        widget=forms.FileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )
    # One key per form shown: sending the same form again (a double tap, a retry on a weak signal)
    # finds the job the first send made instead of importing twice.
    key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
