import zoneinfo

from django import forms
from phonenumber_field.formfields import PhoneNumberField

from events.models import Event
from lib.validators import no_control_characters
from members.forms import PlaceFields


class VisitorRSVPForm(PlaceFields):
    """A visitor's RSVP. Its field names are the join form's, so one POST can also be a signup."""

    first_name = forms.CharField(max_length=150, validators=[no_control_characters])
    last_name = forms.CharField(max_length=150, validators=[no_control_characters])
    email = forms.EmailField(max_length=254)
    phone = PhoneNumberField(required=False, region="US", widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    join = forms.BooleanField(required=False, label="Also join the coalition, in the chapter for your ZIP")

    field_order = ["first_name", "last_name", "email", "zip_code", "county", "phone"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_place()

    def clean(self) -> dict:
        cleaned_data = super().clean()
        self.clean_place(cleaned_data)
        return cleaned_data


class ProposalForm(forms.ModelForm):
    """What a member proposes; the chapter's coordinators check and complete it before approving."""

    starts_at = forms.DateTimeField(label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label="Ends", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    class Meta:
        model = Event
        fields = ["title", "kind", "description", "time_zone", "starts_at", "ends_at", "online", "address",
                  "online_link", "capacity", "visibility"]  # fmt: skip
        labels = {"time_zone": "Time zone", "online": "Held online"}

    def clean(self) -> dict:
        """The times are typed as wall-clock times in the event's own zone, not the server's."""
        cleaned_data = super().clean()
        zone = cleaned_data.get("time_zone")
        if zone in zoneinfo.available_timezones():
            for field in ("starts_at", "ends_at"):
                if cleaned_data.get(field):
                    cleaned_data[field] = cleaned_data[field].replace(tzinfo=zoneinfo.ZoneInfo(zone))
        return cleaned_data
