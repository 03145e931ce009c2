"""The Django side of `make bench` (see bench.py): sessions, URLs, query counts, import, floors.

Runs in its own process against one bench database; everything it writes besides the
bench national coordinator is rolled back.
"""

import csv
import io
import time

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from bench_events import prepare_events
from bench_segments import measure_segments
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from chapters.models import Chapter, County, ZipCode
from devtools.scale import SEED_PASSWORD
from lib.roles import NATIONAL_COORDINATORS
from members.models import Member, User

NATIONAL_EMAIL = "bench-national@example.org"


def national_user() -> User:
    user, _ = User.objects.get_or_create(
        email=NATIONAL_EMAIL, defaults={"first_name": "Bench", "last_name": "National", "is_staff": True}
    )
    EmailAddress.objects.get_or_create(user=user, email=NATIONAL_EMAIL, defaults={"verified": True, "primary": True})
    user.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    # Staff need MFA to open the admin (coalition.middleware.StaffMFARequiredMiddleware).
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def session_cookie(user: User) -> tuple[str, Client]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}", client


def count_queries(client: Client, url: str) -> int:
    client.get(url)  # the first request fills the caches; count a warm one, as the benchmark measures
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code < 400, (url, response.status_code)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)
    return len(queries)


def copy_export(chapter: Chapter) -> float:
    """PostgreSQL's own COPY of the same rows and columns as the admin's CSV export: rows per second."""
    sql = """
        COPY (SELECT u.email, u.first_name, u.last_name, m.phone, m.zip_code_id, c.name, m.state_id, ch.name,
                     m.status, m.email_updates, m.text_messages, m.show_name_publicly, m.ref, m.utm_source,
                     m.utm_medium, m.utm_campaign, m.utm_term, m.utm_content, m.joined_at
              FROM members_member m JOIN members_user u ON u.id = m.user_id
              JOIN chapters_county c ON c.fips = m.county_id LEFT JOIN chapters_chapter ch ON ch.id = m.chapter_id
              WHERE m.chapter_id = %s) TO STDOUT WITH CSV HEADER
    """
    connection.ensure_connection()
    rows = 0
    t = time.perf_counter()
    with connection.connection.cursor() as cursor, cursor.copy(sql, [chapter.pk]) as copy:
        for data in copy:
            rows += bytes(data).count(b"\n")
    return round((rows - 1) / (time.perf_counter() - t))


# The roster's phones come written the ways people write them; the import stores them as E.164.
PHONE_FORMS = ["({a}) 555-{n:04d}", "{a}-555-{n:04d}", "+1 {a} 555 {n:04d}", "{a}.555.{n:04d}", ""]


def roster_people(chapter: Chapter, rows: int) -> list[tuple[str, str, str, str, str, str]]:
    """New people in the chapter's territory: email, first, last, ZIP, county, phone as written."""
    places = list(
        ZipCode.counties.through.objects.filter(county__chapter=chapter)
        .order_by("zipcode_id", "county_id")
        .values_list("zipcode_id", "county_id")[:2000]
    )
    # One county per ZIP code (its first in the territory), as the import chooses.
    county_of = {}
    for zip_code, county in places:
        county_of.setdefault(zip_code, county)
    zips = sorted(county_of)[:500]
    people = []
    for i in range(rows):
        zip_code = zips[i % len(zips)]
        phone = PHONE_FORMS[i % len(PHONE_FORMS)].format(a=("803", "202", "415", "617")[i % 4], n=i % 10000)
        people.append((f"roster{i}@bench.example.org", "Pat", f"Roster{i}", zip_code, county_of[zip_code], phone))
    return people


def roster_csv(people: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Email", "First name", "Last name", "ZIP code", "Phone"])
    writer.writerows((email, first, last, zip_code, phone) for email, first, last, zip_code, _, phone in people)
    return out.getvalue()


def e164(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return "+1" + digits[-10:] if digits else ""


def copy_into_app_tables(chapter: Chapter, people: list[tuple]) -> float:
    """COPY of the same people straight into the tables an import fills (accounts, memberships,
    their "joined" events, email addresses), values prepared and ids reserved beforehand: what
    storing them costs with every index and constraint, the import's floor. Rows per second."""
    now = timezone.now()
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor() as cursor:
        ids = []
        for table in ("members_user", "members_member"):
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, %s)", [len(people)]
            )
            ids.append([row[0] for row in cursor.fetchall()])
        user_ids, member_ids = ids
        phones = [e164(phone) for *_, phone in people]
        t = time.perf_counter()
        with cursor.copy(
            "COPY members_user (id, email, first_name, last_name, password, is_superuser, is_staff, is_active,"
            " date_joined) FROM STDIN"
        ) as copy:
            for user_id, (email, first, last, *_) in zip(user_ids, people, strict=True):
                copy.write_row((user_id, email, first, last, "!", False, False, True, now))
        with cursor.copy(
            "COPY members_member (id, user_id, phone, zip_code_id, county_id, state_id, chapter_id, status,"
            " email_updates, text_messages, show_name_publicly, ref, utm_source, utm_medium, utm_campaign, utm_term,"
            " utm_content, created_at, joined_at) FROM STDIN"
        ) as copy:
            for member_id, user_id, phone, (_, _, _, zip_code, county, _) in zip(
                member_ids, user_ids, phones, people, strict=True
            ):
                copy.write_row((member_id, user_id, phone, zip_code, county, chapter.state_id, chapter.pk,
                                "imported", False, False, False, "", "", "", "", "", "", now, now))  # fmt: skip
        with cursor.copy(
            "COPY members_membershipevent (member_id, kind, occurred_at, to_chapter_id, to_state_id, source) FROM STDIN"
        ) as copy:
            for member_id in member_ids:
                copy.write_row((member_id, "joined", now, chapter.pk, chapter.state_id, "import"))
        with cursor.copy('COPY account_emailaddress (user_id, email, verified, "primary") FROM STDIN') as copy:
            for user_id, (email, *_) in zip(user_ids, people, strict=True):
                copy.write_row((user_id, email, False, True))
        elapsed = time.perf_counter() - t
        transaction.set_rollback(True)
    return round(len(people) / elapsed)


def measure_import(chapter: Chapter, actor: User, rows: int) -> tuple[dict, dict]:
    """The roster import's rate for new people and for the same file again (all rolled back), and
    COPY's rates for the same rows: into a bare table, and into the app's own tables."""
    people = roster_people(chapter, rows)
    data = roster_csv(people)
    connection.ensure_connection()
    with transaction.atomic():
        t = time.perf_counter()
        with connection.connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE bench_roster (email text, first_name text, last_name text, zip text, phone text)"
            )
            with cursor.copy("COPY bench_roster FROM STDIN WITH CSV HEADER") as copy:
                copy.write(data)
        copy_rate = round(rows / (time.perf_counter() - t))
        transaction.set_rollback(True)
    floors = {"copy_import_rows_per_s": copy_rate, "copy_app_tables_rows_per_s": copy_into_app_tables(chapter, people)}
    from members.roster import Mode, import_members

    timings = []
    with transaction.atomic():
        for _ in range(2):  # new people, then the same file again: every row unchanged
            t = time.perf_counter()
            result = import_members(
                chapter=chapter, file=io.BytesIO(data.encode()), mode=Mode.ONLY_GOOD_ROWS, actor=actor, commit=True
            )
            timings.append((time.perf_counter() - t, result))
        transaction.set_rollback(True)
    (elapsed, first), (again, second) = timings
    return {
        "rows": rows,
        "seconds": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "created": first.created,
        "errors": len(first.errors),
        "again_seconds": round(again, 2),
        "again_rows_per_s": round(rows / again),
        "again_unchanged": second.unchanged,
    }, floors


def measure_signup(seconds: float = 3.0) -> dict:
    """Signups through the join form in this process (rolled back) against the hasher's own rate."""
    count, t = 0, time.perf_counter()
    while time.perf_counter() - t < seconds:
        make_password("correct-horse-battery-staple")
        count += 1
    hashes = count / (time.perf_counter() - t)
    county = County.objects.filter(chapter__isnull=False, zip_codes__isnull=False).order_by("fips").first()
    zip_code = county.zip_codes.order_by("code").first()
    client = Client()
    signups = 0
    with override_settings(ACCOUNT_RATE_LIMITS=False), transaction.atomic():
        t = time.perf_counter()
        while time.perf_counter() - t < seconds:
            response = client.post(
                "/join/",
                {
                    "email": f"signup{signups}@bench.example.org",
                    "password1": "correct-horse-battery-staple",
                    "first_name": "Sam",
                    "last_name": "Signup",
                    "zip_code": zip_code.code,
                    "county": county.fips,
                    "email_updates": "on",
                },
            )
            if response.status_code != 302:
                raise RuntimeError(f"signup failed with {response.status_code}")
            client.logout()
            signups += 1
        elapsed = time.perf_counter() - t
        transaction.set_rollback(True)
    return {"hashes_per_s": round(hashes, 1), "signups_per_s": round(signups / elapsed, 1)}


def prepare_database(*, import_rows: int) -> dict:
    national = national_user()
    largest = (
        Member.objects.counted().exclude(chapter=None).values("chapter").annotate(n=Count("id")).order_by("-n").first()
    )
    chapter = Chapter.objects.get(pk=largest["chapter"])
    member = (
        Member.objects.filter(chapter=chapter, status=Member.Status.ACTIVE, user__password=SEED_PASSWORD)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    national_cookie, national_client = session_cookie(national)
    member_cookie, member_client = session_cookie(member.user)
    anonymous = Client()
    fragment = member.user.email.split("@")[0][-9:]
    endpoints = {
        "floor (/health/)": ("/health/", "anon"),
        "floor view (/robots.txt)": ("/robots.txt", "anon"),
        "home": ("/", "anon"),
        "chapter page (largest)": (f"/chapters/{chapter.slug}/", "anon"),
        "endorsements wall p1": ("/endorsements/", "anon"),
        "endorsements filtered": (f"/endorsements/?state={chapter.state_id}&kind=official", "anon"),
        "find chapter by ZIP (302)": (f"/chapters/find/?zip={member.zip_code_id}", "anon"),
        "join page": ("/join/", "anon"),
        "calendar feed": ("/calls/national/calendar.ics", "anon"),
        "member profile": ("/profile/", "member"),
        "national dashboard": ("/dashboard/", "national"),
        "admin members": ("/admin/members/member/", "national"),
        "admin members search email": (f"/admin/members/member/?q={fragment}", "national"),
        "admin members by chapter": (f"/admin/members/member/?chapter={chapter.pk}", "national"),
        "admin member page": (f"/admin/members/member/{member.pk}/change/", "national"),
    }
    event_endpoints, events_seeded = prepare_events()
    endpoints.update(event_endpoints)
    clients = {"anon": anonymous, "member": member_client, "national": national_client}
    spec = {
        name: {"url": url, "as": who, "queries": count_queries(clients[who], url)}
        for name, (url, who) in endpoints.items()
    }
    imported, import_floors = measure_import(chapter, national, import_rows)
    return {
        "endpoints": spec,
        "cookies": {"national": national_cookie, "member": member_cookie},
        "export_url": f"/admin/members/member/export/?chapter={chapter.pk}",
        "export_rows": Member.objects.filter(chapter=chapter).count(),
        "extra": {
            "largest_chapter": chapter.name,
            "search_fragment": fragment,
            "copy_export_rows_per_s": copy_export(chapter),
            "import": imported,
            **import_floors,
            "signup": measure_signup(),
            "segments": measure_segments(national, chapter.state_id),
            **events_seeded,
        },
    }
