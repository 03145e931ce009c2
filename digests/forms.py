from django import forms

from digests.models import DigestPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = DigestPreference
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}
        labels = {"frequency": "Mail me about my chapters' members"}
