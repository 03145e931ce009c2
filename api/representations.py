"""How the API shows things, in OSDI 1.1's field names (as Action Network's API does).

`person` is the one serialisation of a member: the people endpoints and the webhooks' payloads
both use it, so a tool that reads one reads the other.
"""

from django.db.models import F, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse

from chapters.models import Chapter
from endorsements.models import Endorsement
from lib.urls import absolute_url
from members.models import Member

IDENTIFIER_PREFIX = "coalition"
# What a member's select_related must hold for `person` to run without further queries.
PERSON_RELATED = ("user", "chapter", "county")


def people_href(request: HttpRequest | None) -> str:
    """The people collection's URL, worked out once per request (a page links a hundred people)."""
    href = getattr(request, "api_people_href", None)
    if href is None:
        href = absolute_url(reverse("api:person-list"), request)
        if request is not None:
            request.api_people_href = href
    return href


def in_one_query(members: QuerySet) -> QuerySet:
    """`members` with all that `person` shows as columns of their own query: one model object per
    person (no account, chapter or county object), and no column it does not show."""
    return members.only(
        "status", "email_updates", "text_messages", "zip_code", "state", "created_at", "modified_at"
    ).annotate(
        given_name=F("user__first_name"), family_name=F("user__last_name"), email_address=F("user__email"),
        chapter_name=F("chapter__name"), county_name=F("county__name"), phone_e164=Cast("phone", TextField()),
    )  # fmt: skip


def subscription(given: bool) -> str:
    return "subscribed" if given else "unsubscribed"


def person(member: Member, request: HttpRequest | None = None) -> dict:
    """A member as an OSDI person (`osdi:person`).

    Consents speak OSDI's words: the email address is "subscribed" when the member agreed to
    email updates, the phone number when they agreed to text messages. Chapter and county, which
    OSDI has no field for, are custom fields, as Action Network puts a group's own questions.
    """
    self_link = people_href(request) + f"{member.pk}/"
    if hasattr(member, "email_address"):  # read by `in_one_query` (a page of people)
        given, family, email = member.given_name, member.family_name, member.email_address
        chapter, county, phone = member.chapter_name or "", member.county_name, member.phone_e164 or ""
    else:  # loaded with PERSON_RELATED (webhooks, the signup helper's answer)
        user = member.user
        given, family, email = user.first_name, user.last_name, user.email
        chapter, county = (member.chapter.name if member.chapter else ""), member.county.name
        phone = str(member.phone or "")
    data = {
        "identifiers": [f"{IDENTIFIER_PREFIX}:{member.pk}"],
        "given_name": given,
        "family_name": family,
        "email_addresses": [
            {"address": email, "primary": True, "status": subscription(member.email_updates)},
        ],
        "phone_numbers": [],
        "postal_addresses": [
            {"postal_code": member.zip_code_id, "region": member.state_id, "country": "US", "primary": True},
        ],
        "custom_fields": {
            "chapter": chapter or "",
            "county": county,
            "membership_status": member.status,
        },
        "created_date": member.created_at.isoformat(),
        "modified_date": member.modified_at.isoformat(),
        "_links": {"self": {"href": self_link}},
    }
    if phone:
        data["phone_numbers"].append(
            {
                "number": phone,
                "primary": True,
                "number_type": "Mobile",
                "sms_capable": True,
                "status": subscription(member.text_messages),
            }
        )
    return data


def chapter(item: Chapter, request: HttpRequest | None = None) -> dict:
    """A chapter as the public pages show it: name, state, status and territory; never its people."""
    counties = sorted(item.territory_counties.all(), key=lambda c: c.name)
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}:chapter:{item.slug}"],
        "name": item.name,
        "slug": item.slug,
        "status": item.status,
        "state": {"code": item.state_id, "name": item.state.name},
        "founded": item.founded.isoformat() if item.founded else None,
        "description": item.description,
        "contact_email": item.contact_email,
        "territory": {
            "mode": item.territory_mode,
            "in_words": item.territory_in_words(),
            "listed_counties": [{"fips": c.fips, "name": c.name} for c in counties],
        },
        "_links": {
            "self": {"href": absolute_url(reverse("api:chapter-detail", args=[item.slug]), request)},
            "html": {"href": absolute_url(item.get_absolute_url(), request)},
        },
    }


def endorsement(item: Endorsement, request: HttpRequest | None = None) -> dict:
    """A published endorsement as the wall shows it; the endorser's contact details never leave the admin."""
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}:endorsement:{item.slug}"],
        "kind": item.kind,
        "name": item.name,
        "office": item.office,
        "party": item.party,
        "state": item.state_id,
        "statement": item.statement,
        "source_url": item.source_url,
        "made_on": item.made_on.isoformat(),
        "published_date": item.published_at.isoformat() if item.published_at else None,
        "featured": item.featured,
        "_links": {
            "self": {"href": absolute_url(reverse("api:endorsement-detail", args=[item.slug]), request)},
            "html": {"href": absolute_url(item.get_absolute_url(), request)},
        },
    }
