from django import forms

from chapters.models import State
from question.models import Answer

CHOOSE = "Please choose yes, no or not sure."


class AnswerForm(forms.Form):
    choice = forms.ChoiceField(
        label="Your answer", choices=Answer.Choice.choices, widget=forms.RadioSelect,
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
    )  # fmt: skip
    state = forms.ModelChoiceField(
        label="Your state", queryset=State.objects.all(), required=False, empty_label="Prefer not to say",
        error_messages={"invalid_choice": "Please pick a state from the list."},
    )  # fmt: skip
