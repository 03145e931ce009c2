import re

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm
from django import forms
from django.contrib.auth.hashers import make_password
from django.core.validators import RegexValidator
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from phonenumber_field.formfields import PhoneNumberField

from chapters.models import County, ZipCode
from lib.edit_conflicts import EditConflictForm
from lib.validators import no_control_characters
from members.models import CONSENT_FIELDS, ConsentRecord, Member, User, sign_up_member

ZIP_PATTERN = re.compile(r"^[0-9]{5}\Z")
SOURCE_SESSION_KEY = "join_source"
JOINED_SESSION_KEY = "joined_chapter"
SOURCE_FIELDS = ("ref", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


class PlaceFields(forms.Form):
    """ZIP code and, when the ZIP spans several counties, the county: together they decide the chapter."""

    zip_code = forms.CharField(
        label="ZIP code",
        min_length=5,
        max_length=5,
        validators=[RegexValidator(ZIP_PATTERN, "Enter the five digits of your ZIP code.")],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    county = forms.ChoiceField(
        label="County", required=False, help_text="Your ZIP code spans several counties: which one do you live in?"
    )

    def setup_place(self) -> None:
        code = (self.data.get(self.add_prefix("zip_code")) if self.is_bound else self.initial.get("zip_code")) or ""
        code = code.strip()
        # Only five ASCII digits reach the database ("2920\x00" would be a DataError, not a ZIP).
        self.zip_counties = list(County.objects.for_zip(code)) if ZIP_PATTERN.match(code) else []
        self.fields["county"].choices = [("", "Choose your county")] + [(c.fips, c.name) for c in self.zip_counties]
        # The county is asked (and shown) only for a ZIP spanning counties; otherwise whatever was
        # posted for it is ignored rather than refused with an error nobody could see.
        self.fields["county"].disabled = not self.needs_county

    @property
    def needs_county(self) -> bool:
        return len(self.zip_counties) > 1

    def clean_place(self, cleaned_data: dict) -> None:
        code = cleaned_data.get("zip_code")
        if not code:
            return
        zip_code = ZipCode.objects.filter(code=code).first()
        if zip_code is None or not self.zip_counties:
            self.add_error("zip_code", "We do not know this ZIP code. Check the five digits.")
            return
        if len(self.zip_counties) == 1:
            county = self.zip_counties[0]
        else:
            county = next((c for c in self.zip_counties if c.fips == cleaned_data.get("county")), None)
            if county is None:
                self.add_error("county", f"ZIP code {code} spans several counties: choose yours.")
                return
        cleaned_data["zip"] = zip_code
        cleaned_data["county_obj"] = county


class JoinForm(PlaceFields, SignupForm):
    """allauth's signup form plus what membership needs; allauth keeps rate limits and verification."""

    first_name = forms.CharField(
        max_length=150,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        max_length=150,
        validators=[no_control_characters],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = PhoneNumberField(required=False, region="US", widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    email_updates = forms.BooleanField(required=False, initial=True, label="Send me email updates")
    text_messages = forms.BooleanField(required=False, label="Send me text messages (needs a phone number)")

    field_order = [
        "first_name", "last_name", "email", "password1", "zip_code", "county", "phone", "email_updates",
        "text_messages",
    ]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setup_place()
        self.fields["email"].widget.attrs.pop("placeholder", None)
        self.fields["password1"].widget.attrs.pop("placeholder", None)
        # Django's list of every password rule is long for a phone; the rules speak when one is broken.
        self.fields["password1"].help_text = ""

    def clean(self) -> dict:
        cleaned_data = super().clean()
        self.clean_place(cleaned_data)
        if cleaned_data.get("text_messages") and not cleaned_data.get("phone"):
            self.add_error("phone", "Give a phone number to receive text messages.")
        return cleaned_data

    def try_save(self, request):
        """Create the account, membership and email address together, or nothing.

        Whether the address already has an account must not show: both paths hash the password
        (skipping it would answer measurably sooner), leave the same lines for the next page
        (see `remember_joining`), and send one mail, a confirmation link or allauth's "someone
        tried to join with your address".

        Two signups with the same address at the same moment (a double click, or Ann@… and
        ann@…) both pass the form's "is it taken?" check; the database's unique index on
        lower(email) lets one through. The other gets the same page with no mail of its own, so
        the winner's confirmation mail is the one the address receives (allauth sends one mail
        per address per three minutes).
        """
        self.remember_joining(request)
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            if not User.objects.with_email(self.cleaned_data.get("email", "")).exists():
                raise
            return None, get_adapter().respond_email_verification_sent(request, None)

    def remember_joining(self, request) -> None:
        """What the "check your email" page tells the newcomer, from the form alone, so that it
        reads the same whether or not the address already had an account."""
        county = self.cleaned_data["county_obj"]
        chapter = county.chapter
        request.session[JOINED_SESSION_KEY] = {
            "chapter": chapter.name if chapter else "",
            "slug": chapter.slug if chapter else "",
            "state": county.state.name,
            "email": self.cleaned_data["email"],
        }

    def custom_signup(self, request, user) -> None:
        source = {k: v for k, v in request.session.get(SOURCE_SESSION_KEY, {}).items() if k in SOURCE_FIELDS}
        sign_up_member(
            user=user,
            zip_code=self.cleaned_data["zip"],
            county=self.cleaned_data["county_obj"],
            phone=self.cleaned_data.get("phone") or "",
            consents={
                "email_updates": self.cleaned_data["email_updates"],
                "text_messages": self.cleaned_data["text_messages"],
            },
            source=source,
        )
        request.session.pop(SOURCE_SESSION_KEY, None)


class ProfileForm(PlaceFields, EditConflictForm):
    conflict_noun = "profile"

    first_name = forms.CharField(max_length=150, validators=[no_control_characters])
    last_name = forms.CharField(max_length=150, validators=[no_control_characters])
    phone = PhoneNumberField(required=False, region="US")
    confirm_move = forms.BooleanField(required=False, label="Yes, move me")

    class Meta:
        model = Member
        fields = ["phone", "email_updates", "text_messages", "show_name_publicly"]
        labels = {
            "email_updates": "Send me email updates",
            "text_messages": "Send me text messages",
            "show_name_publicly": "Show my first name and last initial on my chapter's public page",
        }

    field_order = ["first_name", "last_name", "phone", "zip_code", "county"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        member = self.instance
        if not self.is_bound:
            self.initial.update(
                first_name=member.user.first_name,
                last_name=member.user.last_name,
                zip_code=member.zip_code_id,
                county=member.county_id,
            )
        self.setup_place()
        self.move_to = None
        for field, help_text in consent_states(member).items():
            self.fields[field].help_text = help_text

    def clean(self) -> dict:
        cleaned_data = super().clean()
        self.clean_place(cleaned_data)
        if cleaned_data.get("text_messages") and not cleaned_data.get("phone"):
            self.add_error("phone", "Give a phone number to receive text messages.")
        county = cleaned_data.get("county_obj")
        if county is not None and county.chapter_id != self.instance.chapter_id:
            self.move_to = county.chapter or county.state
        return cleaned_data

    @property
    def move_from(self):
        return self.instance.chapter or self.instance.state

    @property
    def asks_to_move(self) -> bool:
        """The new ZIP code is in another chapter and the member has not said yes yet: a question, not an error."""
        return self.move_to is not None and not self.cleaned_data.get("confirm_move")


CONSENT_SOURCES = {
    ConsentRecord.Source.SIGNUP: "when you joined",
    ConsentRecord.Source.PROFILE: "on this page",
    ConsentRecord.Source.IMPORT: "on your chapter's member list",
    ConsentRecord.Source.ADMIN: "through a coordinator",
}


def consent_states(member: Member) -> dict[str, str]:
    """For each consent box, what is stored now and since when, from the member's consent records."""
    latest = {}
    for record in member.consents.all():  # oldest first: the last one per topic wins
        latest[record.topic] = record
    states = {}
    for field, topic in CONSENT_FIELDS.items():
        given = getattr(member, field)
        record = latest.get(topic)
        if record is None or record.given != given:
            # No record agrees with the stored flag (set before records were kept): say only what is stored.
            states[field] = "You agreed to this." if given else "You have not agreed to this."
            continue
        day = formats.date_format(timezone.localtime(record.at), "F j, Y")
        verb = "agreed to this" if given else "withdrew this"
        how = CONSENT_SOURCES.get(record.source)
        states[field] = f"You {verb} on {day}" + (f", {how}." if how else ".")
    return states


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
