"""The form of a new rota: teams, weekly slots, term, group size, subjects one a line, place."""

from django import forms

from grassroots.access.scope import scope_of
from grassroots.core.form_fields import IdempotentForm
from grassroots.rules.volunteering import SLOT_LABELS
from grassroots.volunteers import capabilities as caps
from grassroots.volunteers.models import Site, Team


class RotaForm(IdempotentForm):
    title = forms.CharField(label="排班名称", max_length=100, initial="校门口·微学堂")
    site = forms.ModelChoiceField(label="实践阵地", queryset=Site.objects.none(), empty_label=None)
    place = forms.CharField(label="服务地点", max_length=200)
    teams = forms.ModelMultipleChoiceField(label="服务队", queryset=Team.objects.none(),
                                           widget=forms.CheckboxSelectMultiple,
                                           error_messages={"required": "请至少选择一个服务队"})
    slots = forms.MultipleChoiceField(label="每周服务时段", choices=list(SLOT_LABELS.items()),
                                      widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": "请至少选择一个服务时段"})
    term_start = forms.DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    term_end = forms.DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="每次开始", initial="07:30", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="每次结束", initial="08:10", widget=forms.TimeInput(attrs={"type": "time"}))
    group_min = forms.IntegerField(label="每组最少人数", min_value=1, max_value=20, initial=2)
    group_max = forms.IntegerField(label="每组最多人数", min_value=1, max_value=20, initial=3)
    teams_per_slot = forms.IntegerField(label="每个时段最多安排几个服务队（不填则平均分配）", min_value=1, max_value=50,
                                        required=False)
    subjects = forms.CharField(label="服务主题（每行一个，按周轮换）", widget=forms.Textarea(attrs={"rows": 4}),
                               initial="理论宣讲\n政策宣传\n家校共育\n法在身边")
    subjects_by_team = forms.BooleanField(label="各队错开主题（同一周各队讲不同主题）", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        within = scope_of(user).q(caps.MANAGE, "path")
        self.fields["site"].queryset = Site.objects.filter(within, is_active=True).exclude(level=Site.Level.POINT)
        self.fields["teams"].queryset = Team.objects.filter(within, is_active=True).order_by("path", "name")

    def clean_subjects(self):
        lines = [line.strip() for line in self.cleaned_data["subjects"].splitlines() if line.strip()]
        if not lines:
            raise forms.ValidationError("请填写服务主题，每行一个")
        return lines

    def clean(self):
        data = super().clean()
        if data.get("group_min") and data.get("group_max") and data["group_min"] > data["group_max"]:
            self.add_error("group_max", "每组最多人数不能少于最少人数")
        if data.get("term_start") and data.get("term_end") and data["term_end"] < data["term_start"]:
            self.add_error("term_end", "结束日期须不早于开始日期")
        return data

    def service_args(self) -> dict:
        data = self.cleaned_data
        return {"area": data["site"].area, "teams": list(data["teams"]), "term_start": data["term_start"],
                "term_end": data["term_end"], "slots": data["slots"], "group_min": data["group_min"],
                "group_max": data["group_max"], "subjects": data["subjects"],
                "subjects_by_team": data["subjects_by_team"], "teams_per_slot": data["teams_per_slot"]}


class ReplaceForm(forms.Form):
    """Replace a member of a turn, or trade places with a member of another turn of the same team."""

    out = forms.TypedChoiceField(label="换下", coerce=int)
    into = forms.ChoiceField(label="换上")

    def __init__(self, *args, out_choices, into_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["out"].choices = out_choices
        self.fields["into"].choices = into_choices


class SwapTurnForm(forms.Form):
    other_turn = forms.TypedChoiceField(label="与本周另一个班次对调日期", coerce=int)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other_turn"].choices = choices
