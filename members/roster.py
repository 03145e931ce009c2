"""Roster import: a state group's member list (CSV) into a chapter, keyed by normalised email.

`import_members` is the one entry point, used by the admin's import page and by
`manage.py import_members`. It plans every row first (validation, create/update/unchanged),
then writes in batches of upserts inside one transaction, so nothing is half-written.
Imported people get no email: a coordinator invites them deliberately.
"""

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import phonenumbers
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from chapters.models import Chapter, ZipCode
from coalition import audit
from members.models import Member, MembershipEvent, User

BATCH_SIZE = 2000
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
    zips = {row.zip_code for row in candidates if len(row.zip_code) == 5}
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
    users: list[User] = field(default_factory=list)  # new, or with changed names (upserted by email)
    members: list[tuple[str, Member]] = field(default_factory=list)  # (email, member) new or changed
    new_emails: set[str] = field(default_factory=set)


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _plan(chapter, rows: list[Row], columns, result: ImportResult, progress) -> Plan:
    plan = Plan()
    state_id = chapter.state_id
    for batch in _batches(rows, BATCH_SIZE):
        existing = {
            u.email_lower: u
            for u in User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=[r.email for r in batch])
            .select_related("member")
        }
        for row in batch:
            user = existing.get(row.email)
            names = {f: row.values[f] for f in ("first_name", "last_name") if f in columns}
            member_values = {"zip_code_id": row.zip_code, "county_id": row.county_id, "state_id": state_id,
                             "chapter_id": chapter.pk}  # fmt: skip
            if "phone" in columns:
                member_values["phone"] = row.phone
            if user is None:
                plan.users.append(User(email=row.email, password=make_password(None), **names))
                plan.members.append((row.email, Member(status=Member.Status.IMPORTED, **member_values)))
                plan.new_emails.add(row.email)
                result.created += 1
                continue
            member = getattr(user, "member", None)
            if member is None or member.status != Member.Status.IMPORTED:
                result.skipped.append(
                    RowError(row.line, "Already has an account of their own: left unchanged.", row.email)
                )
                continue
            if member.chapter_id != chapter.pk:
                result.skipped.append(RowError(row.line, "Imported into another chapter: left unchanged.", row.email))
                continue
            user_changed = any(getattr(user, f) != v for f, v in names.items())
            member_changed = any(str(getattr(member, f) or "") != str(v or "") for f, v in member_values.items())
            if user_changed:
                for f, v in names.items():
                    setattr(user, f, v)
                plan.users.append(user)
            if member_changed:
                for f, v in member_values.items():
                    setattr(member, f, v)
                plan.members.append((row.email, member))
            if user_changed or member_changed:
                result.updated += 1
            else:
                result.unchanged += 1
        if progress:
            progress(len(batch))
    return plan


def _write(chapter: Chapter, plan: Plan) -> None:
    now = timezone.now()
    user_ids: dict[str, int] = {}
    for batch in _batches(plan.users, BATCH_SIZE):
        saved = User.objects.bulk_create(
            batch, update_conflicts=True, unique_fields=["email"], update_fields=["first_name", "last_name"]
        )
        user_ids.update((u.email, u.pk) for u in saved)
    for batch in _batches(plan.members, BATCH_SIZE):
        members = []
        for email, member in batch:
            if member.user_id is None:
                member.user_id = user_ids[email]
                member.created_at = member.joined_at = now
            members.append(member)
        Member.objects.bulk_create(
            members, update_conflicts=True, unique_fields=["user"],
            update_fields=["phone", "zip_code", "county", "state", "chapter"],
        )  # fmt: skip
        new = [m for email, m in batch if email in plan.new_emails]
        MembershipEvent.objects.bulk_create(
            [MembershipEvent(member_id=m.pk, kind=MembershipEvent.Kind.JOINED, occurred_at=now, source="import",
                             to_chapter_id=chapter.pk, to_state_id=chapter.state_id) for m in new]
        )  # fmt: skip
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=m.user_id, email=email, verified=False, primary=True)
             for email, m in batch if email in plan.new_emails]
        )  # fmt: skip


def errors_csv(errors: list[RowError]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "email", "reason"])
    for error in errors:
        writer.writerow([error.line, error.email, error.reason])
    return out.getvalue()
