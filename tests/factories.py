"""Builders of test data, shared by every test folder; fixtures live in the conftest.py files.

People are made through the same workflow functions the pages call (signup and activation,
the roster import, the coordinator onboarding), so a change to what users go through
changes what the tests build too. Only what no workflow can make (history at chosen past
dates, endorsements already at a given step) is written directly.
"""

import csv
import datetime
import io
import itertools
import re
import time
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from PIL import Image

from chapters.models import Chapter, County, Officer, State, ZipCode
from chapters.onboarding import accept_invitation, add_coordinator
from dashboards import growth
from endorsements.models import Endorsement
from lib.edit_conflicts import version_stamp
from members.models import (
    CONSENT_FIELDS,
    Member,
    MembershipEvent,
    User,
    activate_member,
    leave_coalition,
    sign_up_member,
)
from members.roster import Mode, import_members

PASSWORD = "correct-horse-battery-staple"  # every account the builders make, and the join forms
SC_ZIP = "29201"  # Columbia, Richland County, SC: chapter A
SC_OTHER_ZIP = "29401"  # Charleston, SC
WY_ZIP = "82001"  # Cheyenne, Laramie County, WY: chapter B
CA_ZIP = "90210"  # Beverly Hills, CA: no chapter in the tests
ROLES = ["national", "coordinator_a", "coordinator_b", "member", "anonymous"]  # the fixtures of tests/conftest.py
SOURCE_FIELDS = ("ref", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


# People


def make_user(email: str, **fields) -> User:
    """An account with a verified address and no membership (the `member` role, staff before their roles)."""
    user = User.objects.create_user(email=email, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_staff_mfa(user: User) -> Authenticator:
    """Give a staff user a TOTP authenticator: the admin opens only for staff with MFA.

    Tests that create staff users of their own call this before they open /admin/.
    """
    return TOTP.activate(user, generate_totp_secret()).instance


def make_coordinator(email: str, chapter: Chapter, *, since: datetime.date = datetime.date(2025, 1, 1)) -> User:
    """A coordinator of `chapter` as onboarding makes one, who accepted the invitation and enrolled in MFA.

    Onboarding starts the term today; the term is moved back to `since`, so that tests can end
    it on a past date.
    """
    user = add_coordinator(
        chapter=chapter, email=email, first_name="Coordinator", last_name=chapter.state_id,
        title="State coordinator", by=None,
    )  # fmt: skip
    Officer.objects.filter(user=user, chapter=chapter).update(term_start=since)
    accept_invitation(user, PASSWORD)
    make_staff_mfa(user)
    return user


def make_coordinator_without_mfa(email: str, chapter: Chapter) -> User:
    """A coordinator of `chapter` who accepted the invitation but has not set up a second factor yet."""
    user = add_coordinator(
        chapter=chapter, email=email, first_name="Coordinator", last_name="Without MFA", title="Deputy coordinator",
        by=None,
    )  # fmt: skip
    accept_invitation(user, PASSWORD)
    return user


def make_officer(user: User, chapter: Chapter, title: str) -> Officer:
    """`user` an officer of `chapter` other than its coordinator (a treasurer, say), which gives no say over it.

    Officers are added in the admin's chapter form; no workflow of their own.
    """
    return Officer.objects.create(user=user, chapter=chapter, role=Officer.Role.OFFICER, title=title)


def make_member(
    email: str,
    zip_code: str,
    *,
    status: str = Member.Status.ACTIVE,
    first_name: str = "Pat",
    last_name: str = "Doe",
    phone: str = "",
    **fields,
) -> Member:
    """A member who joined as the join form does, in `status`.

    Pending: signed up, address not yet verified. Active: the address verified, which starts
    the membership. Left: then left from the profile page. Imported: through the roster import
    (into the chapter of the ZIP). `fields` are the consents (email_updates, text_messages,
    show_name_publicly) and the join link's source (ref, utm_*).
    """
    consents = {"email_updates": False, "text_messages": False}
    consents |= {name: fields.pop(name) for name in CONSENT_FIELDS if name in fields}
    source = {name: fields.pop(name) for name in SOURCE_FIELDS if name in fields}
    if fields:
        raise TypeError(f"make_member() cannot set {', '.join(fields)}")
    if status == Member.Status.IMPORTED:
        member = import_member(email, zip_code, first_name=first_name, last_name=last_name, phone=phone)
        # What a roster cannot carry: set as the tests ask, without a workflow of its own.
        Member.objects.filter(pk=member.pk).update(**consents, **source)
        member.refresh_from_db()
        return member

    user = User.objects.create_user(email=email, password=PASSWORD, first_name=first_name, last_name=last_name)
    address = EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    member = sign_up_member(
        user=user, zip_code=ZipCode.objects.get(code=zip_code), county=County.objects.for_zip(zip_code).first(),
        phone=phone, consents=consents, source=source,
    )  # fmt: skip
    if status == Member.Status.PENDING:
        return member
    # What following the confirmation link does (members/adapter.py's confirm_email).
    address.set_verified()
    activate_member(member=member)
    member.refresh_from_db()
    if status == Member.Status.LEFT:
        leave_coalition(member=member, actor=user, source="profile")
    elif status != Member.Status.ACTIVE:
        raise ValueError(f"make_member() cannot make a {status!r} member")
    return member


def import_member(email: str, zip_code: str, *, first_name: str = "", last_name: str = "", phone: str = "") -> Member:
    """Someone on a state group's roster, imported into the chapter whose territory holds the ZIP."""
    chapter = County.objects.for_zip(zip_code).first().chapter
    if chapter is None:
        raise ValueError(f"No chapter covers {zip_code}: a roster is imported into a chapter")
    roster = io.StringIO()
    csv.writer(roster).writerows([["Email", "First Name", "Last Name", "ZIP Code", "Phone"],
                                  [email, first_name, last_name, zip_code, phone]])  # fmt: skip
    result = import_members(
        chapter=chapter, file=io.BytesIO(roster.getvalue().encode()), mode=Mode.ALL_OR_NOTHING, actor=None
    )
    assert result.committed, result.errors
    return Member.objects.select_related("user").get(user__email=email.lower())


# Membership history at chosen dates, which no workflow can write


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def join(chapter: Chapter, day: datetime.date, n: int = 1) -> None:
    """`n` anonymous joins of `chapter` at noon on `day`: growth figures read only the history."""
    MembershipEvent.objects.bulk_create(
        MembershipEvent(kind="joined", occurred_at=at(day), to_chapter=chapter, to_state_id=chapter.state_id)
        for _ in range(n)
    )


# Endorsements

_names = itertools.count(1)


def make_endorsement(state: str | None = "SC", status: str = Endorsement.Status.PUBLISHED, **fields) -> Endorsement:
    """An endorsement already in `status`, with the fields its constraints need."""
    now = timezone.now()
    values = {
        "kind": Endorsement.Kind.CANDIDATE,
        "name": f"Endorser {next(_names)}",
        "office": "Candidate for US Senate",
        "party": "Independent",
        "state": State.objects.get(code=state) if state else None,
        "statement": "States should consent.",
        "source_url": "https://example.org/statement",
        "made_on": datetime.date(2026, 3, 1),
        "contact_email": "endorser@example.net",
        "status": status,
    }
    if status in (Endorsement.Status.VERIFIED, Endorsement.Status.PUBLISHED):
        values |= {"verification_method": Endorsement.Method.CALL, "verification_note": "Called.", "verified_at": now}
    if status == Endorsement.Status.PUBLISHED:
        values["published_at"] = now
    if status == Endorsement.Status.REJECTED:
        values["rejection_reason"] = "Not real."
    if status == Endorsement.Status.WITHDRAWN:
        values["withdrawn_at"] = now
    values |= fields
    return Endorsement.objects.create(**values)


# What people type or upload


def join_form(**overrides) -> dict:
    """The join form filled in for a South Carolina newcomer; None leaves a field out."""
    data = {
        "first_name": "Jo", "last_name": "Newcomb", "email": "jo@example.net", "password1": PASSWORD,
        "zip_code": SC_ZIP, "phone": "", "email_updates": "on",
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def endorsement_form(**overrides) -> dict:
    """The public endorsement form filled in by a candidate; None leaves a field out."""
    data = {
        "kind": "candidate",
        "name": "Dana Whitfield",
        "office": "Candidate for US Senate",
        "party": "Independent",
        "state": "SC",
        "statement": "South Carolina should consent.",
        "source_url": "https://whitfield.example.com/statement",
        "made_on": "2026-04-02",
        "contact_email": "dana@whitfield.example.com",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def png(width: int = 40, height: int = 40, name: str = "logo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


ROSTER_HEADER = "Email,First Name,Last Name,ZIP Code,Phone\n"
# Three good rows for chapter A, in the forms people write them in.
ROSTER_CLEAN = ROSTER_HEADER + (
    "Alice.One@Example.net ,Alice,One,29201,803-555-0101\n"
    "bob.two@example.net,Bob,Two,29401,\n"
    "carol.three@example.net,Carol,Three,29201-4455,(803) 555-0103\n"
)
# Lines 2 and 9 are good for chapter A; each other line has one fault.
ROSTER_BAD = ROSTER_HEADER + (
    "good.one@example.net,Good,One,29201,\n"  # line 2
    "not-an-email,Bad,Email,29201,\n"  # line 3
    "zip.unknown@example.net,Bad,Zip,00000,\n"  # line 4
    "good.one@example.net,Dup,Licate,29201,\n"  # line 5
    f"out.of.territory@example.net,Out,Side,{WY_ZIP},\n"  # line 6
    "ragged@example.net,Too,Few\n"  # line 7
    "bad.phone@example.net,Bad,Phone,29201,12\n"  # line 8
    "good.two@example.net,Good,Two,29401,\n"  # line 9
)


def chapter_inline_management() -> dict:
    """The management forms of the chapter admin's inlines, with no inline rows."""
    data = {}
    for prefix in ["social_pages", "officers", "status_changes"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0",
                 f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    return data


# What a page or a mail hands back


def edit_version(obj) -> str:
    """The hidden `edit_version` of an admin change form opened now (lib/edit_conflicts.py)."""
    return version_stamp(type(obj).objects.get(pk=obj.pk).version)


def totp_now(secret: str) -> str:
    """The code an authenticator app shows now for `secret`."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def confirmation_path(text: str) -> str:
    """The path of the email confirmation link in a mail's text."""
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


# The growth figures as they were computed before the daily sums: straight from the events.
# The daily sums must agree with them (tests/dashboards, tests/devtools).


def per_day_from_events(queryset) -> dict[datetime.date, int]:
    rows = queryset.annotate(day=TruncDate("occurred_at")).values("day").annotate(n=Count("id")).order_by()
    return {row["day"]: row["n"] for row in rows}


def events_in(scope: growth.Scope):
    events = MembershipEvent.objects.all()
    if scope.national:
        return events.filter(to_state__isnull=False), events.filter(from_state__isnull=False)
    return events.filter(to_chapter__in=scope.chapters), events.filter(from_chapter__in=scope.chapters)


def series_from_events(scope: growth.Scope) -> list[tuple[datetime.date, int]]:
    gains, losses = (per_day_from_events(q) for q in events_in(scope))
    total, series = 0, []
    for day in sorted(set(gains) | set(losses)):
        total += gains.get(day, 0) - losses.get(day, 0)
        series.append((day, total))
    return series


# Faults and processes


@contextmanager
def database_down():
    """Point the connection at a port where no PostgreSQL listens, as during a restart."""
    saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved


def postgres_processes_for(data_dir: Path) -> list[psutil.Process]:
    """The PostgreSQL processes serving `data_dir`: none may outlive the run that started them."""
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(data_dir) in " ".join(proc.info["cmdline"] or []):
            found.append(proc)
    return found


# Events


def move_national_call(weekday: int, time: str, zone: str) -> None:
    """As a national coordinator does in the events admin: the national call is an event."""
    from events.models import Event

    hour, minute = (int(part) for part in time.split(":"))
    day = datetime.date(2025, 1, 6) + datetime.timedelta(days=weekday)  # 6 January 2025 was a Monday
    start = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    event = Event.objects.get(standing_call=True, chapter=None)
    event.starts_at, event.ends_at, event.time_zone = start, start + datetime.timedelta(hours=1), zone
    event.save()


def make_event(chapter=None, *, days_ahead: int = 3, **fields):
    """A scheduled event (one-off unless told) with its dates made, as the admin leaves it."""
    from events.models import Event

    start = (timezone.now() + datetime.timedelta(days=days_ahead)).replace(second=0, microsecond=0)
    values = {
        "title": "Tabling at the farmers market", "kind": Event.Kind.TABLING, "time_zone": "America/New_York",
        "starts_at": start, "ends_at": start + datetime.timedelta(hours=2), "address": "1 Main St, Columbia, SC",
        **fields,
    }  # fmt: skip
    event = Event.objects.create(chapter=chapter, **values)
    event.materialise()
    return event
