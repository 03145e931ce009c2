from django import forms
from django.db import models

from chapters.models import State
from endorsements.models import Endorsement, reencode_image
from lib.validators import no_control_characters_multiline


class ImageReencodingMixin:
    """Sniff, size-check and re-encode the optional image (public form and admin alike)."""

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            return reencode_image(image)
        return image


def https_urls(field: models.Field, **kwargs) -> forms.Field:
    """A source URL typed without a scheme is taken as https, as Django 6 will do."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class EndorsementSubmitForm(ImageReencodingMixin, forms.ModelForm):
    class Meta:
        model = Endorsement
        formfield_callback = https_urls
        fields = ["kind", "name", "office", "party", "state", "statement", "source_url", "made_on", "image",
                  "contact_email"]  # fmt: skip
        widgets = {
            "made_on": forms.DateInput(attrs={"type": "date"}),
            "statement": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "state": "The endorser's state, or National.",
            "contact_email": "We send a link to confirm it, and later a link to withdraw the endorsement. Never shown.",
            "statement": "Plain text, at most 2000 characters.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_email"].required = True
        self.fields["state"].empty_label = "National"
        self.fields["kind"].choices = [("", "Choose one"), *Endorsement.Kind.choices]


class EndorsementFilterForm(forms.Form):
    state = forms.ModelChoiceField(
        queryset=State.objects.all(), required=False, empty_label="All states", to_field_name="code"
    )
    kind = forms.ChoiceField(choices=[("", "All kinds"), *Endorsement.Kind.choices], required=False)


class VerifyForm(forms.Form):
    method = forms.ChoiceField(label="Verified by", choices=Endorsement.Method.choices)
    note = forms.CharField(
        label="Verification note",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        strip=True,
        validators=[no_control_characters_multiline],
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Rejection reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        strip=True,
        validators=[no_control_characters_multiline],
    )
