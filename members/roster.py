"""Roster import: a state group's member list (CSV) into a chapter, keyed by normalised email.

`import_members` is the one entry point, used by the admin's import page and by
`manage.py import_members`. Python reads the file and checks what concerns one row alone
(number of fields, email, name lengths, phone), with fast paths for the common forms and
the forms' own validators for whatever the fast paths cannot settle; it COPYs the rows into
a temporary table as it goes. PostgreSQL does the rest set-based, in one transaction: ZIP
codes to counties and chapter, duplicates, existing people, then the upserts (INSERT ...
SELECT, ON CONFLICT), membership events and email addresses. Nothing is half-written.
Imported people get no email: a coordinator invites them deliberately.
"""

import csv
import functools
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import phonenumbers
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from chapters.models import Chapter
from lib import audit
from lib.spreadsheets import spreadsheet_safe_row
from lib.validators import no_control_characters
from members.models import Member, MembershipEvent, User

# progress(stage, total) returns a step(n) callable, as in devtools.scale.
Progress = Callable[[str, int], Callable[[int], None]]
BATCH_SIZE = 2000
WRITE_BATCH = 25_000
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
EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length
NAME_MAX_LENGTH = User._meta.get_field("first_name").max_length


@dataclass(frozen=True)
class ExtraColumn:
    """A column the import reads for an app above members (the tags app's `tags`), which registers
    it with `register_column` from its AppConfig.ready: members cannot import those apps.

    Each row's value is staged in import_row.extra (jsonb, keyed by `name`) and carried into
    import_plan. `plan(cursor, chapter)` runs once the plan is made, before anything is counted:
    it may turn rows into errors (UPDATE import_plan SET action = 'error', error = ...).
    `write(cursor, chapter, actor)` runs after the members are written, in the same transaction.
    """

    name: str
    label: str
    aliases: frozenset[str]
    plan: Callable
    write: Callable


EXTRA_COLUMNS: dict[str, ExtraColumn] = {}


def register_column(column: ExtraColumn) -> None:
    EXTRA_COLUMNS[column.name] = column


def label_of(name: str) -> str:
    """What the preview calls a matched column."""
    return FIELD_LABELS.get(name) or EXTRA_COLUMNS[name].label


# Addresses Django's validate_email accepts for sure (plain ASCII dot-atom @ letters-TLD domain):
# they skip the validator. Anything else goes through it.
PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}"
)
# The usual ways of writing a US number: 803-555-0101, (803) 555-0101, +1 803.555.0101, 18035550101.
US_PHONE = re.compile(r"(?:\+?1[ .-]?)?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ .-]?([0-9]{3})[ .-]?([0-9]{4})")


class Mode(models.TextChoices):
    ALL_OR_NOTHING = "all", "All or nothing: refuse the whole file if any row has an error"
    ONLY_GOOD_ROWS = "good", "Only good rows: import the good rows, list the others"


@dataclass
class RowError:
    line: int
    reason: str
    email: str = ""


# Checks a higher app adds to the preview (`register_preview_check`): each is called inside a
# preview's transaction (commit=False), after the plan is made, with the cursor, the chapter and the result, and
# may read the temporary table `import_plan` (one row per line: line, email, zip, county_id,
# first_name, last_name, phone, action, user_id, member_id) to add `RowError`s to `result.notes`.
# Notes only inform the coordinator: they never refuse a row.
PreviewCheck = Callable[[object, Chapter, "ImportResult"], None]
PREVIEW_CHECKS: list[PreviewCheck] = []


def register_preview_check(check: PreviewCheck) -> None:
    if check not in PREVIEW_CHECKS:
        PREVIEW_CHECKS.append(check)


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
    notes: list[RowError] = field(default_factory=list)  # from PREVIEW_CHECKS, e.g. possible duplicates
    unreadable: bool = False  # the file as a whole cannot be read: refused whatever the mode

    @property
    def refused(self) -> bool:
        return bool(self.errors) and not self.committed

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.errors)} with errors"
        )


def normalise_header(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def match_headers(header: list[str]) -> dict[str, int]:
    """Which column holds which field, by the usual names people give them."""
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        for field_name, aliases in [*HEADER_ALIASES.items(), *((c.name, c.aliases) for c in EXTRA_COLUMNS.values())]:
            if normalise_header(name) in aliases and field_name not in found:
                found[field_name] = index
    return found


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_zip(value: str) -> str:
    value = value.strip().split("-")[0]
    # Spreadsheets drop the leading zeros of New England ZIP codes.
    return value.zfill(5) if value.isdigit() and 3 <= len(value) < 5 else value


def name_error(label: str, name: str | None) -> str:
    if not name:
        return ""
    if len(name) > NAME_MAX_LENGTH:
        return f"{label} is longer than {NAME_MAX_LENGTH} characters."
    try:
        no_control_characters(name)
    except ValidationError as error:
        return f"{label}: {error.messages[0]}"
    return ""


def email_error(email: str, raw: str) -> str:
    if len(email) > EMAIL_MAX_LENGTH:
        return f"Email address is longer than {EMAIL_MAX_LENGTH} characters."
    if not PLAIN_EMAIL.fullmatch(email):
        try:
            validate_email(email)
        except ValidationError:
            return f"Not a valid email address: {raw[:100]!r}."
    return ""


@functools.cache
def _us_ten_digit_patterns() -> tuple[re.Pattern, re.Pattern]:
    """From phonenumbers' US metadata: the general pattern, and any number type's, for ten digits.

    A number is valid for the US when it matches the general description and at least one
    type's (phonenumbers' _number_type_helper); each description applies only to the lengths
    it lists.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("US")

    def pattern(*descs) -> re.Pattern:
        usable = [
            d.national_number_pattern
            for d in descs
            if d is not None and d.national_number_pattern and (not d.possible_length or 10 in d.possible_length)
        ]
        return re.compile("|".join(f"(?:{p})" for p in usable) or "(?!)")

    kinds = ["premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
             "fixed_line"] + ([] if metadata.same_mobile_and_fixed_line_pattern else ["mobile"])  # fmt: skip
    return pattern(metadata.general_desc), pattern(*(getattr(metadata, kind) for kind in kinds))


def _valid_us_number(national: str) -> bool:
    """phonenumbers.is_valid_number_for_region(number, "US") for a ten-digit national number, in one regex."""
    general, types = _us_ten_digit_patterns()
    return general.fullmatch(national) is not None and types.fullmatch(national) is not None


def normalise_phone(value: str) -> str | None:
    """The number in E.164 form, or None when it is not a valid number (US unless it says otherwise)."""
    match = US_PHONE.fullmatch(value)
    if match:
        area, exchange, line = match[1] or match[2], match[3], match[4]
        if _valid_us_number(area + exchange + line):
            # US comes first among +1's regions: a valid US number is a valid number.
            return f"+1{area}{exchange}{line}"
    # Anything else (extensions, other countries, Canada...) as the forms parse it.
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The first bytes of files people save by mistake instead of a CSV, and what they are.
NOT_CSV = (
    (b"PK\x03\x04", "an Excel workbook or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
)


def not_csv(head: bytes) -> str:
    """Why a file starting with `head` is not CSV text, judged by its content whatever its name; "" if it may be."""
    for magic, kind in NOT_CSV:
        if head.startswith(magic):
            return f"This file is {kind}, not a CSV: in your spreadsheet, use Save As \u203a \u201cCSV UTF-8\u201d."
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "This file is saved as UTF-16 (\u201cUnicode text\u201d): save it as \u201cCSV UTF-8\u201d instead."
    if head.lstrip().startswith(b"<"):
        return "This file is not a CSV text file: save it as \u201cCSV UTF-8\u201d."
    return ""


def read_text(file) -> tuple[str, RowError | None]:
    raw = file.read()
    if isinstance(raw, bytes):
        if reason := not_csv(raw[:4096]):
            return "", RowError(1, reason)
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            return "", RowError(line, "The file is not UTF-8 text: save it as \u201cCSV UTF-8\u201d and try again.")
    if "\x00" in raw:
        line = raw[: raw.index("\x00")].count("\n") + 1
        return "", RowError(line, "The file holds NUL characters: this file is not a CSV text file.")
    return raw, None


def import_members(
    *,
    chapter: Chapter,
    file,
    mode: str,
    actor: User | None,
    commit: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row and plan it; write the plan (upsert by email) unless refused or `commit` is False."""
    result = ImportResult()
    text, fatal = read_text(file)
    if fatal:
        result.errors.append(fatal)
        return result
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        result.errors.append(RowError(1, "The file is empty."))
        return result
    except csv.Error as error:
        result.errors.append(RowError(reader.line_num, f"The file is not valid CSV ({error})."))
        return result
    columns = match_headers(header)
    result.columns = {name: header[index] for name, index in columns.items()}
    missing = [FIELD_LABELS[name] for name in REQUIRED if name not in columns]
    if missing:
        result.errors.append(RowError(1, f"Missing required column: {', '.join(missing)}."))
        return result

    step = progress("checking", max(text.count("\n"), 1)) if progress else None
    with transaction.atomic(), connection.cursor() as cursor:
        try:
            _stage(cursor, reader, header, columns, result, step)
        except csv.Error as error:
            result.errors = [RowError(reader.line_num, f"The file is not valid CSV ({error}).")]
            result.unreadable = True
            transaction.set_rollback(True)
            return result
        _plan(cursor, chapter, result)
        if not commit:  # what the coordinator reads before deciding; the import itself needs none of it
            for check in PREVIEW_CHECKS:
                check(cursor, chapter, result)
        if not commit or (result.errors and mode != Mode.ONLY_GOOD_ROWS):
            transaction.set_rollback(True)
            return result
        _write(cursor, chapter, progress)
        for column in EXTRA_COLUMNS.values():
            column.write(cursor, chapter, actor)
        audit.record(actor, chapter, f"Roster import: {result.summary()}.")
    result.committed = True
    merge_search_index()
    return result


# The people search's indexes (members/migrations/0013).
SEARCH_INDEXES = ("user_email_trgm_idx", "user_first_name_trgm_idx", "user_last_name_trgm_idx")


def merge_search_index() -> None:
    """Merge the people the import added into the search indexes now (migrations 0012, 0013).

    Left in the indexes' pending lists, they would be read by every admin search until the
    lists fill up or autovacuum gets to them. Needs ownership of the indexes: where the app's
    database role lacks it, the merge is left to autovacuum.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for index in SEARCH_INDEXES:
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
    except DatabaseError:
        pass


def _rows(reader, header: list[str], columns: dict[str, int], result: ImportResult) -> Iterator[tuple]:
    """Each usable row as it goes into the staging table; the others become errors."""
    width = len(header)
    email_at, zip_at = columns["email"], columns["zip_code"]
    first_at, last_at, phone_at = columns.get("first_name"), columns.get("last_name"), columns.get("phone")
    extras = {name: index for name, index in columns.items() if name in EXTRA_COLUMNS}
    for values in reader:
        result.rows += 1
        line = reader.line_num
        if len(values) != width:
            if any(v.strip() for v in values):
                result.errors.append(RowError(line, f"Has {len(values)} fields where the header has {width}."))
            continue
        if not any(v.strip() for v in values):
            continue
        raw_email, raw_zip = values[email_at].strip(), values[zip_at].strip()
        if len(result.sample) < 10:
            result.sample.append({name: values[index].strip() for name, index in columns.items()})
        email = normalise_email(raw_email)
        reason = email_error(email, raw_email)
        if reason:
            result.errors.append(RowError(line, reason, email))
            continue
        first = values[first_at].strip() if first_at is not None else None
        last = values[last_at].strip() if last_at is not None else None
        phone = values[phone_at].strip() if phone_at is not None else None
        # Checked after the ZIP code, in SQL: kept as the row's error if its ZIP code is fine.
        later = name_error("First name", first) or name_error("Last name", last)
        if not later and phone:
            e164 = normalise_phone(phone)
            if e164 is None:
                later = f"Not a valid phone number: {phone[:30]!r}."
            phone = e164 or ""
        extra = json.dumps({name: values[index].strip() for name, index in extras.items()}) if extras else None
        yield line, email, normalise_zip(raw_zip), raw_zip[:20], first, last, phone, later or None, extra


def _stage(cursor, reader, header, columns, result: ImportResult, step) -> None:
    """COPY the rows into a temporary table as they are read and checked."""
    cursor.execute("DROP TABLE IF EXISTS pg_temp.import_row, pg_temp.import_plan")
    cursor.execute(
        "CREATE TEMP TABLE import_row (line int, email text, zip text, raw_zip text, first_name text,"
        " last_name text, phone text, error text, extra jsonb) ON COMMIT DROP"
    )
    with cursor.copy(
        "COPY import_row (line, email, zip, raw_zip, first_name, last_name, phone, error, extra) FROM STDIN"
    ) as copy:
        done = 0
        for row in _rows(reader, header, columns, result):
            copy.write_row(row)
            if step and reader.line_num - done >= BATCH_SIZE:
                step(reader.line_num - done)
                done = reader.line_num
    if step:
        step(max(reader.line_num - done, 0))
    # Without statistics the planner guesses a temporary table holds a few rows.
    cursor.execute("ANALYZE import_row")


# What happens to each staged row: an error, a skip, or a write.
PLAN = """
CREATE TEMP TABLE import_plan ON COMMIT DROP AS
WITH zips AS (
    -- Each ZIP code of the file that exists, and its first county in the chapter's territory.
    SELECT zc.zipcode_id AS zip, min(zc.county_id) FILTER (WHERE c.chapter_id = %(chapter)s) AS county_id
    FROM chapters_zipcode_counties zc JOIN chapters_county c ON c.fips = zc.county_id
    WHERE zc.zipcode_id IN (SELECT DISTINCT zip FROM import_row)
    GROUP BY zc.zipcode_id
), checked AS (
    SELECT r.*, z.zip IS NOT NULL AS zip_known, z.county_id,
           min(r.line) FILTER (WHERE z.county_id IS NOT NULL AND r.error IS NULL)
               OVER (PARTITION BY r.email) AS first_good
    FROM import_row r LEFT JOIN zips z ON z.zip = r.zip
)
SELECT r.line, r.email, r.zip, r.raw_zip, r.county_id, r.first_name, r.last_name, r.phone, r.error,
       r.first_good, r.extra, u.id AS user_id, m.id AS member_id,
       CASE WHEN r.first_good < r.line THEN 'duplicate'
            WHEN NOT r.zip_known THEN 'unknown_zip'
            WHEN r.county_id IS NULL THEN 'outside'
            WHEN r.error IS NOT NULL THEN 'error'
            WHEN u.id IS NULL THEN 'create'
            WHEN m.status IS DISTINCT FROM %(imported)s THEN 'own_account'
            WHEN m.chapter_id IS DISTINCT FROM %(chapter)s THEN 'other_chapter'
            WHEN (coalesce(r.first_name, u.first_name), coalesce(r.last_name, u.last_name))
                     IS DISTINCT FROM (u.first_name, u.last_name) THEN 'update'
            WHEN (coalesce(r.phone, m.phone), r.zip, r.county_id)
                     IS DISTINCT FROM (m.phone, m.zip_code_id, m.county_id) THEN 'update'
            ELSE 'unchanged' END AS action
FROM checked r
LEFT JOIN members_user u ON lower(u.email) = r.email
LEFT JOIN members_member m ON m.user_id = u.id
"""
SKIP_REASONS = {
    "own_account": "Already has an account of their own: left unchanged.",
    "other_chapter": "Imported into another chapter: left unchanged.",
}


def _plan(cursor, chapter: Chapter, result: ImportResult) -> None:
    cursor.execute(PLAN, {"chapter": chapter.pk, "imported": Member.Status.IMPORTED})
    for column in EXTRA_COLUMNS.values():
        column.plan(cursor, chapter)
    cursor.execute("ANALYZE import_plan")
    cursor.execute("SELECT action, count(*) FROM import_plan GROUP BY action")
    counts = dict(cursor.fetchall())
    result.created, result.updated = counts.get("create", 0), counts.get("update", 0)
    result.unchanged = counts.get("unchanged", 0)
    cursor.execute(
        "SELECT line, email, action, first_good, zip, raw_zip, error FROM import_plan"
        " WHERE action NOT IN ('create', 'update', 'unchanged') ORDER BY line"
    )
    for line, email, action, first_good, zip_code, raw_zip, error in cursor.fetchall():
        if action in SKIP_REASONS:
            result.skipped.append(RowError(line, SKIP_REASONS[action], email))
        elif action == "duplicate":
            result.errors.append(RowError(line, f"Same email as line {first_good}.", email))
        elif action == "unknown_zip":
            result.errors.append(RowError(line, f"Unknown ZIP code: {raw_zip!r}.", email))
        elif action == "outside":
            result.errors.append(RowError(line, f"ZIP code {zip_code} is outside the territory of {chapter}.", email))
        else:
            result.errors.append(RowError(line, error, email))
    result.errors.sort(key=lambda error: error.line)


WRITES = [
    # Names given in the file replace the stored ones; a missing column keeps them.
    """
    UPDATE members_user u SET first_name = coalesce(p.first_name, u.first_name),
                              last_name = coalesce(p.last_name, u.last_name)
    FROM import_plan p
    WHERE p.action = 'update' AND p.line >= %(low)s AND p.line < %(high)s AND u.id = p.user_id
      AND (coalesce(p.first_name, u.first_name), coalesce(p.last_name, u.last_name))
          IS DISTINCT FROM (u.first_name, u.last_name)
    """,
    """
    UPDATE members_member m SET phone = coalesce(p.phone, m.phone), zip_code_id = p.zip, county_id = p.county_id,
                                state_id = %(state)s, chapter_id = %(chapter)s
    FROM import_plan p
    WHERE p.action = 'update' AND p.line >= %(low)s AND p.line < %(high)s AND m.id = p.member_id
      AND (coalesce(p.phone, m.phone), p.zip, p.county_id) IS DISTINCT FROM (m.phone, m.zip_code_id, m.county_id)
    """,
    # New people: the account (an unusable password, replaced when they claim it), the membership,
    # its "joined" event and the unverified email address, each row's ids passed on by RETURNING.
    # ON CONFLICT: someone who signed up since the plan was made keeps their own account.
    """
    WITH new_user AS (
        INSERT INTO members_user (email, first_name, last_name, password, is_superuser, is_staff, is_active,
                                  date_joined)
        SELECT p.email, coalesce(p.first_name, ''), coalesce(p.last_name, ''), %(password)s, false, false, true,
               %(now)s
        FROM import_plan p WHERE p.action = 'create' AND p.line >= %(low)s AND p.line < %(high)s
        ON CONFLICT DO NOTHING
        RETURNING id, email
    ), new_member AS (
        INSERT INTO members_member (user_id, phone, zip_code_id, county_id, state_id, chapter_id, status,
            email_updates, text_messages, show_name_publicly, ref, utm_source, utm_medium, utm_campaign,
            utm_term, utm_content, created_at, joined_at)
        SELECT u.id, coalesce(p.phone, ''), p.zip, p.county_id, %(state)s, %(chapter)s, %(imported)s,
               false, false, false, '', '', '', '', '', '', %(now)s, %(now)s
        FROM new_user u JOIN import_plan p ON p.email = u.email AND p.action = 'create'
        RETURNING id
    ), joined AS (
        INSERT INTO members_membershipevent (member_id, kind, occurred_at, to_chapter_id, to_state_id, source)
        SELECT id, %(joined)s, %(now)s, %(chapter)s, %(state)s, 'import' FROM new_member
    )
    INSERT INTO account_emailaddress (user_id, email, verified, "primary")
    SELECT id, email, false, true FROM new_user
    ON CONFLICT DO NOTHING
    """,
]


def _write(cursor, chapter: Chapter, progress: Progress | None) -> None:
    """Set-based writes from the plan, in slices of lines so that progress can move."""
    cursor.execute("SELECT min(line), max(line) FROM import_plan WHERE action IN ('create', 'update')")
    low, high = cursor.fetchone()
    if low is None:
        return
    step = progress("writing", high - low + 1) if progress else None
    params = {
        "chapter": chapter.pk, "state": chapter.state_id, "imported": Member.Status.IMPORTED,
        "joined": MembershipEvent.Kind.JOINED, "now": timezone.now(),
        # One unusable password for the batch: claiming the account replaces it.
        "password": make_password(None),
    }  # fmt: skip
    for start in range(low, high + 1, WRITE_BATCH):
        end = min(start + WRITE_BATCH, high + 1)
        for sql in WRITES:
            cursor.execute(sql, {**params, "low": start, "high": end})
        if step:
            step(end - start)


def errors_csv(errors: list[RowError]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "email", "reason"])
    for error in errors:
        writer.writerow(spreadsheet_safe_row([error.line, error.email, error.reason]))
    return out.getvalue()
