"""Roster import: a state group's member list (CSV) into a chapter, keyed by normalised email.

`import_members` is the one entry point, used by the admin's import page and by
`manage.py import_members`. It plans every row first (validation, create/update/unchanged),
then writes with COPY into temporary tables and set-based upserts (INSERT ... ON CONFLICT)
inside one transaction, so nothing is half-written.
Imported people get no email: a coordinator invites them deliberately.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import CharField
from django.db.models.functions import Cast, Lower
from django.utils import timezone

from chapters.models import Chapter, ZipCode
from coalition import audit
from coalition.validators import no_control_characters
from members.forms import ZIP_PATTERN
from members.models import Member, MembershipEvent, User

BATCH_SIZE = 2000
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
HEADER_ALIASES = {
    "email": {"email", "e-mail", "email address", "e-mail address", "mail"},
    "first_name": {"first name", "first", "firstname", "given name", "forename"},
    "last_name": {"last name", "last", "lastname", "surname", "family name"},
    "zip_code": {"zip", "zip code", "zipcode", "postal code", "postcode", "zip5"},
    "phone": {"phone", "phone number", "mobile", "cell", "cell phone", "telephone", "tel"},
}
REQUIRED = ("email", "zip_code")
FIELD_LABELS = {"email": "Email", "first_name": "First name", "last_name": "Last name", "zip_code": "ZIP code",
                "phone": "Phone"}  # fmt: skip


class Mode(models.TextChoices):
    ALL_OR_NOTHING = "all", "All or nothing: refuse the whole file if any row has an error"
    ONLY_GOOD_ROWS = "good", "Only good rows: import the good rows, list the others"


@dataclass
class RowError:
    line: int
    reason: str
    email: str = ""


@dataclass
class ImportResult:
    columns: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    sample: list[dict[str, str]] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.errors) and not self.committed

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.errors)} with errors"
        )


@dataclass
class Row:
    line: int
    email: str
    values: dict[str, str]
    zip_code: str = ""
    county_id: str = ""
    phone: str = ""


def normalise_header(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def match_headers(header: list[str]) -> dict[str, int]:
    """Which column holds which field, by the usual names people give them."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        for field_name, aliases in HEADER_ALIASES.items():
            if normalise_header(name) in aliases and field_name not in found:
                found[field_name] = index
    return found


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_zip(value: str) -> str:
    value = value.strip().split("-")[0]
    # Spreadsheets drop the leading zeros of New England ZIP codes.
    return value.zfill(5) if value.isdigit() and 3 <= len(value) < 5 else value


def read_rows(file) -> tuple[list[str], list[tuple[int, list[str]]], RowError | None]:
    raw = file.read()
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            return [], [], RowError(line, "The file is not UTF-8 text: save it as \u201cCSV UTF-8\u201d and try again.")
    reader = csv.reader(io.StringIO(raw))
    try:
        header = next(reader)
        rows = [(reader.line_num, row) for row in reader]
    except StopIteration:
        return [], [], RowError(1, "The file is empty.")
    except csv.Error as error:
        return [], [], RowError(reader.line_num, f"The file is not valid CSV ({error}).")
    return header, rows, None


def import_members(
    *,
    chapter: Chapter,
    file,
    mode: str,
    actor: User | None,
    commit: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate and plan every row; write them (upsert by email) unless refused or `commit` is False."""
    result = ImportResult()
    header, raw_rows, fatal = read_rows(file)
    if fatal:
        result.errors.append(fatal)
        return result
    columns = match_headers(header)
    result.columns = {name: header[index] for name, index in columns.items()}
    missing = [FIELD_LABELS[name] for name in REQUIRED if name not in columns]
    if missing:
        result.errors.append(RowError(1, f"Missing required column: {', '.join(missing)}."))
        return result

    rows = _validate(chapter, header, raw_rows, columns, result)
    result.rows = len(raw_rows)
    plan = _plan(chapter, rows, columns, result, progress)
    if not commit or (result.errors and mode != Mode.ONLY_GOOD_ROWS):
        return result
    with transaction.atomic():
        _write(chapter, plan)
        audit.record(actor, chapter, f"Roster import: {result.summary()}.")
    result.committed = True
    return result


def _validate(chapter, header, raw_rows, columns, result: ImportResult) -> list[Row]:
    candidates: list[Row] = []
    for line, values in raw_rows:
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            result.errors.append(RowError(line, f"Has {len(values)} fields where the header has {len(header)}."))
            continue
        row = Row(line=line, email="", values={name: values[index].strip() for name, index in columns.items()})
        row.email = normalise_email(row.values["email"])
        row.zip_code = normalise_zip(row.values["zip_code"])
        if len(result.sample) < 10:
            result.sample.append(row.values)
        candidates.append(row)

    links: dict[str, list[tuple[str, int | None]]] = {}
    zips = {row.zip_code for row in candidates if ZIP_PATTERN.match(row.zip_code)}
    through = ZipCode.counties.through.objects.filter(zipcode_id__in=zips)
    for zip_code, county_id, chapter_id in through.values_list("zipcode_id", "county_id", "county__chapter_id"):
        links.setdefault(zip_code, []).append((county_id, chapter_id))

    good: list[Row] = []
    seen: dict[str, int] = {}
    for row in candidates:
        reason = _row_error(row, links, chapter, seen)
        if reason:
            result.errors.append(RowError(row.line, reason, row.email))
            continue
        seen[row.email] = row.line
        good.append(row)
    return good


def _row_error(row: Row, links, chapter: Chapter, seen: dict[str, int]) -> str:
    try:
        validate_email(row.email)
    except ValidationError:
        return f"Not a valid email address: {row.values['email'][:100]!r}."
    if len(row.email) > EMAIL_MAX_LENGTH:
        return f"The email address is longer than {EMAIL_MAX_LENGTH} characters."
    if row.email in seen:
        return f"Same email as line {seen[row.email]}."
    if row.zip_code not in links:
        return f"Unknown ZIP code: {row.values['zip_code'][:20]!r}."
    in_territory = [county for county, chapter_id in links[row.zip_code] if chapter_id == chapter.pk]
    if not in_territory:
        return f"ZIP code {row.zip_code} is outside the territory of {chapter}."
    row.county_id = sorted(in_territory)[0]
    for name in ("first_name", "last_name"):
        if len(row.values.get(name, "")) > 150:
            return f"{FIELD_LABELS[name]} is longer than 150 characters."
        try:
            no_control_characters(row.values.get(name, ""))
        except ValidationError as error:
            return f"{FIELD_LABELS[name]}: {error.messages[0]}"
    phone = row.values.get("phone", "")
    if phone:
        try:
            number = phonenumbers.parse(phone, "US")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            return f"Not a valid phone number: {phone[:30]!r}."
        row.phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ""


@dataclass
class Plan:
    """What to write, as plain tuples: 100,000 model instances would cost more than the SQL."""

    users: list[tuple[str, str, str, bool]] = field(default_factory=list)  # email, first, last, name given
    members: list[tuple[str, str, str, str, bool]] = field(default_factory=list)  # email, phone, zip, county, new


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plan(chapter, rows: list[Row], columns, result: ImportResult, progress) -> Plan:
    plan = Plan()
    for batch in _batches(rows, BATCH_SIZE):
        existing = {
            u["email_lower"]: u
            # The phone is read as plain text: parsing 100,000 stored numbers again costs more than the query.
            for u in User.objects.annotate(email_lower=Lower("email"), phone_text=Cast("member__phone", CharField()))
            .filter(email_lower__in=[r.email for r in batch])
            .values("email_lower", "first_name", "last_name", "member__status", "member__chapter_id",
                    "phone_text", "member__zip_code_id", "member__county_id")
        }  # fmt: skip
        for row in batch:
            user = existing.get(row.email)
            first = row.values.get("first_name", user["first_name"] if user else "")
            last = row.values.get("last_name", user["last_name"] if user else "")
            phone = row.phone if "phone" in columns else ((user or {}).get("phone_text") or "")
            if user is None:
                plan.users.append((row.email, first, last))
                plan.members.append((row.email, phone, row.zip_code, row.county_id, True))
                result.created += 1
                continue
            if user["member__status"] != Member.Status.IMPORTED:
                result.skipped.append(
                    RowError(row.line, "Already has an account of their own: left unchanged.", row.email)
                )
                continue
            if user["member__chapter_id"] != chapter.pk:
                result.skipped.append(RowError(row.line, "Imported into another chapter: left unchanged.", row.email))
                continue
            user_changed = (first, last) != (user["first_name"], user["last_name"])
            stored = (user["phone_text"] or "", user["member__zip_code_id"], user["member__county_id"])
            member_changed = (phone, row.zip_code, row.county_id) != stored
            if user_changed:
                plan.users.append((row.email, first, last))
            if member_changed:
                plan.members.append((row.email, phone, row.zip_code, row.county_id, False))
            if user_changed or member_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        if progress:
            progress(len(batch))
    return plan


def _write(chapter: Chapter, plan: Plan) -> None:
    """Set-based upserts: COPY the planned rows into temporary tables, then INSERT ... ON CONFLICT."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_user, import_member")
        cursor.execute("CREATE TEMP TABLE import_user (email text, first_name text, last_name text) ON COMMIT DROP")
        cursor.execute(
            "CREATE TEMP TABLE import_member (email text, phone text, zip_code_id text, county_id text, is_new bool)"
            " ON COMMIT DROP"
        )
        with cursor.copy("COPY import_user (email, first_name, last_name) FROM STDIN") as copy:
            for row in plan.users:
                copy.write_row(row)
        with cursor.copy("COPY import_member (email, phone, zip_code_id, county_id, is_new) FROM STDIN") as copy:
            for row in plan.members:
                copy.write_row(row)
        # Without statistics the planner guesses a temporary table holds a few rows and may scan users per row.
        cursor.execute("ANALYZE import_user, import_member")
        # Existing users match on lower(email) (their stored case may differ); new ones are inserted.
        cursor.execute(
            """
            UPDATE members_user u SET first_name = t.first_name, last_name = t.last_name
            FROM import_user t WHERE lower(u.email) = t.email
            """
        )
        cursor.execute(
            """
            INSERT INTO members_user (email, first_name, last_name, password, is_superuser, is_staff, is_active,
                                      date_joined)
            SELECT t.email, t.first_name, t.last_name, %s, false, false, true, %s FROM import_user t
            WHERE NOT EXISTS (SELECT 1 FROM members_user u WHERE lower(u.email) = t.email)
            ON CONFLICT (email) DO NOTHING
            """,
            # One unusable password for the batch: claiming the account replaces it.
            [make_password(None), now],
        )
        cursor.execute(
            """
            INSERT INTO members_member (user_id, phone, zip_code_id, county_id, state_id, chapter_id, status,
                email_updates, text_messages, show_name_publicly, ref, utm_source, utm_medium, utm_campaign,
                utm_term, utm_content, created_at, joined_at)
            SELECT u.id, t.phone, t.zip_code_id, t.county_id, %(state)s, %(chapter)s, %(status)s,
                false, false, false, '', '', '', '', '', '', %(now)s, %(now)s
            FROM import_member t JOIN members_user u ON lower(u.email) = t.email
            ON CONFLICT (user_id) DO UPDATE SET phone = EXCLUDED.phone, zip_code_id = EXCLUDED.zip_code_id,
                county_id = EXCLUDED.county_id, state_id = EXCLUDED.state_id, chapter_id = EXCLUDED.chapter_id,
                version = members_member.version + 1  -- an admin form opened before the import is now stale
            """,
            {"state": chapter.state_id, "chapter": chapter.pk, "status": Member.Status.IMPORTED, "now": now},
        )
        cursor.execute(
            """
            INSERT INTO members_membershipevent (member_id, kind, occurred_at, to_chapter_id, to_state_id, source)
            SELECT m.id, %(kind)s, %(now)s, %(chapter)s, %(state)s, 'import'
            FROM import_member t JOIN members_user u ON lower(u.email) = t.email
            JOIN members_member m ON m.user_id = u.id WHERE t.is_new
            """,
            {"kind": MembershipEvent.Kind.JOINED, "now": now, "chapter": chapter.pk, "state": chapter.state_id},
        )
        cursor.execute(
            """
            INSERT INTO account_emailaddress (user_id, email, verified, "primary")
            SELECT u.id, u.email, false, true
            FROM import_member t JOIN members_user u ON lower(u.email) = t.email WHERE t.is_new
            ON CONFLICT DO NOTHING
            """
        )


def errors_csv(errors: list[RowError]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "email", "reason"])
    for error in errors:
        writer.writerow([error.line, error.email, error.reason])
    return out.getvalue()
