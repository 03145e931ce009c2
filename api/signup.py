"""The person signup helper: create or update a person by email, placed by ZIP code as the join form places them.

What the join form checks, the helper checks: a known five-digit ZIP code, the county when the
ZIP spans several, names without control characters, a valid phone number, and no text messages
without one. Consent is never assumed: the email address is subscribed only when the request
says "subscribed", and the phone number likewise. People created here get no password (nothing
to hash) and count as members at once, as an imported roster's people do; they may claim their
account later from an invitation.
"""

from dataclasses import dataclass

import phonenumbers
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from api.access import Access, ApiError
from chapters.models import County, ZipCode
from lib import audit
from lib.validators import no_control_characters
from members import signals
from members.models import ConsentRecord, Member, MembershipEvent, User, record_consents, update_member

NAME_MAX = User._meta.get_field("first_name").max_length
EMAIL_MAX = User._meta.get_field("email").max_length
STATUSES = {"subscribed": True, "unsubscribed": False}


@dataclass
class Signup:
    email: str
    first_name: str | None = None
    last_name: str | None = None
    zip_code: ZipCode | None = None
    county: County | None = None
    phone: str | None = None
    email_updates: bool | None = None
    text_messages: bool | None = None


def consent(status: str | None, what: str) -> bool | None:
    if status is None or status == "":
        return None
    if status not in STATUSES:
        raise ApiError(400, f'The {what} status must be "subscribed" or "unsubscribed", not {status!r}.')
    return STATUSES[status]


def primary(items: list[dict]) -> dict | None:
    return next((item for item in items if item.get("primary")), items[0] if items else None)


def clean_name(value: str | None, label: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > NAME_MAX:
        raise ApiError(400, f"The {label} is longer than {NAME_MAX} characters.")
    try:
        no_control_characters(value)
    except ValidationError:
        raise ApiError(400, f"The {label} holds control characters.") from None
    return value or None


def clean_place(postal: dict | None, custom_fields: dict) -> tuple[ZipCode | None, County | None]:
    code = ((postal or {}).get("postal_code") or "").strip()
    if not code:
        return None, None
    five = code[:5]
    if not (five.isascii() and five.isdigit() and len(five) == 5 and (len(code) == 5 or code[5:6] == "-")):
        raise ApiError(400, f"{code!r} is not a ZIP code: give its five digits.")
    counties = list(County.objects.for_zip(five))  # none for a ZIP code we do not know
    zip_code = ZipCode(code=five)
    if not counties:
        raise ApiError(400, f"We do not know the ZIP code {five}.")
    if len(counties) == 1:
        return zip_code, counties[0]
    wanted = str(custom_fields.get("county") or "").strip().lower()
    for county in counties:
        if wanted in (county.fips, county.name.lower(), county.name.lower().removesuffix(" county")):
            return zip_code, county
    names = ", ".join(c.name for c in counties)
    raise ApiError(400, f'ZIP code {five} spans several counties ({names}): name one in custom_fields "county".')


def clean_signup(person: dict) -> Signup:
    """The request's person, checked as the join form checks its fields; ApiError (400) says what is wrong."""
    email_entry = primary(person.get("email_addresses") or [])
    address = ((email_entry or {}).get("address") or "").strip().lower()
    if not address:
        raise ApiError(400, "A person needs an email address (email_addresses[0].address).")
    try:
        validate_email(address)
    except ValidationError:
        raise ApiError(400, f"{address!r} is not an email address.") from None
    if len(address) > EMAIL_MAX:
        raise ApiError(400, f"The email address is longer than {EMAIL_MAX} characters.")
    custom_fields = person.get("custom_fields") or {}
    zip_code, county = clean_place(primary(person.get("postal_addresses") or []), custom_fields)
    phone_entry = primary(person.get("phone_numbers") or [])
    phone = None
    if phone_entry and (phone_entry.get("number") or "").strip():
        raw = phone_entry["number"].strip()
        try:
            parsed = phonenumbers.parse(raw, "US")
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise ApiError(400, f"{raw!r} is not a phone number we can use.")
        phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Signup(
        email=address,
        first_name=clean_name(person.get("given_name"), "given name"),
        last_name=clean_name(person.get("family_name"), "family name"),
        zip_code=zip_code,
        county=county,
        phone=phone,
        email_updates=consent((email_entry or {}).get("status"), "email address"),
        text_messages=consent((phone_entry or {}).get("status"), "phone number"),
    )


@transaction.atomic(savepoint=False)  # within the request's own transaction, no savepoint of its own
def sign_up_through_api(*, access: Access, signup: Signup) -> tuple[Member, bool]:
    """Create or update the person with this email; (member, created). Never a second person for one address."""
    if signup.county is not None and not access.may_place(signup.county):
        where = signup.county.chapter.name if signup.county.chapter else f"{signup.county.state.name} (no chapter)"
        raise ApiError(403, f"ZIP code {signup.zip_code.code} is in {where}, which this key does not reach.")
    user = User.objects.with_email(signup.email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(email=signup.email, first_name=signup.first_name or "", last_name=signup.last_name or "")
                user.set_unusable_password()
                user.save()
                EmailAddress.objects.create(user=user, email=signup.email, verified=False, primary=True)
                return join(access=access, user=user, signup=signup), True
        except IntegrityError:  # the same address signed up by a concurrent request a moment ago
            user = User.objects.with_email(signup.email).get()
    member = Member.objects.select_for_update().select_related("user", "county", "zip_code").filter(user=user).first()
    if member is None:
        return join(access=access, user=user, signup=signup), True
    update(access=access, member=member, signup=signup)
    return member, False


def join(*, access: Access, user: User, signup: Signup) -> Member:
    if signup.county is None:
        raise ApiError(400, "A new person needs a ZIP code (postal_addresses[0].postal_code) to find their chapter.")
    if signup.text_messages and not (signup.phone or ""):
        raise ApiError(400, "Give a phone number to subscribe it to text messages.")
    now = timezone.now()
    member = Member(
        user=user,
        phone=signup.phone or "",
        email_updates=bool(signup.email_updates),
        text_messages=bool(signup.text_messages),
        status=Member.Status.IMPORTED,
        joined_at=now,
        created_at=now,
        ref="api",
    )
    member.place(signup.zip_code, signup.county)
    member.chapter = signup.county.chapter  # the same chapter place() chose, loaded with the county
    member.save()
    record_consents(member, {}, ConsentRecord.Source.API, at=now)
    audit.record(access.key.created_by, member, f"Joined through the API (key “{access.key.name}”).", audit.ADDITION)
    signals.person_joined.send(sender=Member, member=member)
    # Last: its trigger adds one to the chapter's row of the day (members_membershipdaily), which
    # every signup to the chapter that day updates; that row stays locked until the commit.
    MembershipEvent.objects.create(
        member=member, kind=MembershipEvent.Kind.JOINED, occurred_at=now, source="api",
        to_chapter_id=member.chapter_id, to_state_id=member.state_id,
    )  # fmt: skip
    return member


def update(*, access: Access, member: Member, signup: Signup) -> None:
    if not access.people().filter(pk=member.pk).exists():
        raise ApiError(403, "This email address belongs to a person this key does not reach.")
    if member.status == Member.Status.LEFT and (signup.email_updates or signup.text_messages):
        raise ApiError(409, "This person left the coalition; only they can subscribe again, by joining.")
    changes = {}
    for field in ("first_name", "last_name"):
        if getattr(signup, field) is not None:
            changes[field] = getattr(signup, field)
    for field in ("phone", "email_updates", "text_messages"):
        if getattr(signup, field) is not None:
            changes[field] = getattr(signup, field)
    phone = changes.get("phone", str(member.phone) if member.phone else "")
    texts = changes.get("text_messages", member.text_messages)
    if texts and not phone:
        raise ApiError(400, "Give a phone number to subscribe it to text messages.")
    zip_code, county = signup.zip_code or member.zip_code, signup.county or member.county
    update_member(member=member, actor=access.key.created_by, source=ConsentRecord.Source.API,
                  zip_code=zip_code, county=county, **changes)  # fmt: skip
    member.refresh_from_db(fields=["modified_at"])  # stamped by the database's trigger
