"""Roster import: clean file, re-run, updates, bad rows in both modes, 10,000 rows, the command."""

import csv
import io

import phonenumbers
import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection

from members.models import Member, MembershipEvent, User
from members.roster import Mode, RowError, import_members, normalise_phone
from tests.factories import ROSTER_BAD, ROSTER_CLEAN, ROSTER_HEADER, SC_ZIP, WY_ZIP, import_member


def run(chapter, text: str | bytes, mode=Mode.ALL_OR_NOTHING, actor=None, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return import_members(chapter=chapter, file=io.BytesIO(data), mode=mode, actor=actor, **kwargs)


def snapshot() -> list:
    return list(
        Member.objects.order_by("user__email").values_list(
            "user__email", "user__first_name", "user__last_name", "phone", "zip_code", "chapter", "status"
        )
    )


def test_clean_file_imports_members_without_mail(chapter_a, coordinator_a, mailoutbox):
    result = run(chapter_a, ROSTER_CLEAN, actor=coordinator_a)
    assert result.committed
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    assert result.columns == {"email": "Email", "first_name": "First Name", "last_name": "Last Name",
                              "zip_code": "ZIP Code", "phone": "Phone"}  # fmt: skip
    alice = Member.objects.select_related("user").get(user__email="alice.one@example.net")
    assert alice.status == Member.Status.IMPORTED
    assert alice.chapter == chapter_a
    assert str(alice.phone) == "+18035550101"
    assert not alice.user.has_usable_password()
    assert Member.objects.get(user__email="carol.three@example.net").zip_code_id == SC_ZIP
    assert mailoutbox == []
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 3
    assert Member.objects.counted().filter(chapter=chapter_a).count() == 3
    assert LogEntry.objects.filter(object_id=str(chapter_a.pk), change_message__startswith="Roster import").exists()


def test_rerunning_the_same_file_changes_nothing(chapter_a):
    run(chapter_a, ROSTER_CLEAN)
    before = snapshot()
    events = MembershipEvent.objects.count()
    result = run(chapter_a, ROSTER_CLEAN)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert snapshot() == before
    assert MembershipEvent.objects.count() == events


def test_updated_rows_update(chapter_a):
    run(chapter_a, ROSTER_CLEAN)
    result = run(chapter_a, ROSTER_HEADER + "alice.one@example.net,Alicia,One,29401,803-555-0199\n")
    assert (result.created, result.updated) == (0, 1)
    alice = Member.objects.select_related("user", "county").get(user__email="alice.one@example.net")
    assert alice.user.first_name == "Alicia"
    assert alice.county.name == "Charleston County"
    assert str(alice.phone) == "+18035550199"
    assert User.objects.filter(email="alice.one@example.net").count() == 1


EXPECTED_ERRORS = {3: "Not a valid email", 4: "Unknown ZIP", 5: "Same email as line 2", 6: "outside the territory",
                   7: "fields where the header has", 8: "Not a valid phone"}  # fmt: skip


def assert_expected_errors(result) -> None:
    assert {e.line for e in result.errors} == set(EXPECTED_ERRORS)
    for error in result.errors:
        assert EXPECTED_ERRORS[error.line] in error.reason


def test_bad_rows_all_or_nothing_refuses_whole_file(chapter_a, chapter_b):
    result = run(chapter_a, ROSTER_BAD, mode=Mode.ALL_OR_NOTHING)
    assert not result.committed
    assert_expected_errors(result)
    assert not Member.objects.exists()
    assert not User.objects.filter(email__endswith="@example.net").exists()


def test_bad_rows_only_good_rows_imports_the_rest(chapter_a, chapter_b):
    result = run(chapter_a, ROSTER_BAD, mode=Mode.ONLY_GOOD_ROWS)
    assert result.committed
    assert_expected_errors(result)
    assert sorted(Member.objects.values_list("user__email", flat=True)) == [
        "good.one@example.net", "good.two@example.net",
    ]  # fmt: skip


def test_preview_writes_nothing(chapter_a):
    result = run(chapter_a, ROSTER_CLEAN, commit=False)
    assert result.created == 3
    assert len(result.sample) == 3
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("Name,ZIP\nx,29201\n", "Missing required column: Email"),
        ("Email,Phone\nx@example.net,\n", "Missing required column: ZIP code"),
        (b"Email,ZIP\n" + "jos\xe9@example.net,29201\n".encode("latin-1"), "not UTF-8"),
        ("", "empty"),
    ],
)
def test_unreadable_files_are_refused_with_reason(chapter_a, data, reason):
    result = run(chapter_a, data, mode=Mode.ONLY_GOOD_ROWS)
    assert not result.committed
    assert reason in result.errors[0].reason
    assert not Member.objects.exists()


def test_self_registered_member_is_not_overwritten(chapter_a, sc_member):
    result = run(chapter_a, ROSTER_HEADER + "ANN.A@example.net,Someone,Else,29401,\n")
    assert result.skipped[0].line == 2
    sc_member.refresh_from_db()
    assert sc_member.user.first_name == "Ann"
    assert sc_member.status == Member.Status.ACTIVE


def test_person_imported_into_another_chapter_is_skipped_and_stays_there(chapter_a, chapter_b):
    imported = import_member("dale.d@example.net", SC_ZIP, first_name="Dale", last_name="Dunn")
    result = run(chapter_b, ROSTER_HEADER + f"Dale.D@example.net,Dale,Moved,{WY_ZIP},307-555-0100\n")
    assert result.committed
    assert result.skipped == [RowError(2, "Imported into another chapter: left unchanged.", "dale.d@example.net")]
    assert (result.created, result.updated, result.errors) == (0, 0, [])
    imported.refresh_from_db()
    imported.user.refresh_from_db()
    assert (imported.chapter, imported.state_id, imported.zip_code_id) == (chapter_a, "SC", SC_ZIP)
    assert (imported.user.last_name, imported.phone) == ("Dunn", "")
    assert list(imported.events.values_list("kind", "to_chapter")) == [("joined", chapter_a.pk)]
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 1
    assert MembershipEvent.objects.net_for(chapter=chapter_b) == 0


def test_ten_thousand_rows(chapter_a, django_assert_max_num_queries):
    lines = [ROSTER_HEADER] + [
        f"person{i}@example.net,First{i},Last{i},{SC_ZIP if i % 2 else '29401'},\n" for i in range(10_000)
    ]
    data = "".join(lines)
    # Batched: a few queries per 2,000 rows, not per row.
    with django_assert_max_num_queries(60):
        result = run(chapter_a, data)
    assert result.committed
    assert result.created == 10_000
    assert Member.objects.filter(chapter=chapter_a, status="imported").count() == 10_000
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 10_000
    again = run(chapter_a, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)


def test_command_imports_with_progress_and_refuses_bad_file(chapter_a, chapter_b, tmp_path, capsys):
    good = tmp_path / "roster.csv"
    good.write_text(ROSTER_CLEAN)
    call_command("import_members", str(good), "--chapter", "south-carolina")
    assert Member.objects.count() == 3
    out, err = capsys.readouterr()
    assert "3 created" in out
    assert "checking" in err
    assert "writing" in err

    bad = tmp_path / "bad.csv"
    bad.write_text(ROSTER_BAD)
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_members", str(bad), "--chapter", "south-carolina")
    assert Member.objects.count() == 3
    errors = tmp_path / "errors.csv"
    call_command("import_members", str(bad), "--chapter", "south-carolina", "--only-good-rows", "--errors", str(errors))
    assert Member.objects.count() == 5
    assert "line,email,reason" in errors.read_text()
    with pytest.raises(CommandError, match="No chapter"):
        call_command("import_members", str(good), "--chapter", "atlantis")


def test_missing_name_and_phone_columns_keep_what_is_stored(chapter_a):
    run(chapter_a, ROSTER_CLEAN)
    assert run(chapter_a, "Email,ZIP\nalice.one@example.net,29201\n").unchanged == 1
    result = run(chapter_a, "Email,ZIP\nALICE.ONE@example.net,29401\n")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    alice = Member.objects.select_related("user", "county").get(user__email="alice.one@example.net")
    assert (alice.user.first_name, alice.user.last_name, str(alice.phone)) == ("Alice", "One", "+18035550101")
    assert alice.county.name == "Charleston County"


def test_duplicate_points_at_the_first_good_row_and_blank_rows_are_ignored(chapter_a):
    data = ROSTER_HEADER + (
        "dup@example.net,Bad,Zip,00000,\n"  # line 2: its own error, so line 3 is the first good one
        "dup@example.net,Good,One,29201,\n"  # line 3
        ",,,,\n"  # line 4: blank
        "\n"  # line 5: empty
        "DUP@example.net,Again,One,29401,\n"  # line 6
    )
    result = run(chapter_a, data, mode=Mode.ONLY_GOOD_ROWS)
    assert [(e.line, e.reason) for e in result.errors] == [
        (2, "Unknown ZIP code: '00000'."), (6, "Same email as line 3."),
    ]  # fmt: skip
    assert (result.rows, result.created) == (5, 1)
    assert User.objects.get(email="dup@example.net").first_name == "Good"


PHONES = {
    "803-555-0101": "+18035550101",
    "(803) 555-0101": "+18035550101",
    "803.555.0101": "+18035550101",
    "8035550101": "+18035550101",
    "1 803 555 0101": "+18035550101",
    "+1 (803) 555-0101": "+18035550101",
    "+18035550101": "+18035550101",
    "(416) 555-0199": "+14165550199",  # Toronto: valid, though not in the US
    "803-555-0101 ext. 7": "+18035550101",
    "+44 20 7946 0958": "+442079460958",
    "999-555-0101": None,  # no such area code
    "803-155-0101": None,  # exchanges never start with 1
    "12": None,
    "call me": None,
}


def test_phones_in_common_forms_are_stored_as_e164_and_bad_ones_refused(chapter_a):
    lines = [f"p{i}@example.net,P,{i},29201,{phone}\n" for i, phone in enumerate(PHONES)]
    result = run(chapter_a, ROSTER_HEADER + "".join(lines), mode=Mode.ONLY_GOOD_ROWS)
    stored = dict(Member.objects.values_list("user__email", "phone"))
    for i, (phone, e164) in enumerate(PHONES.items()):
        if e164 is None:
            assert f"p{i}@example.net" not in stored, phone
            assert any(e.line == i + 2 and phone[:30] in e.reason for e in result.errors), phone
        else:
            assert str(stored[f"p{i}@example.net"]) == e164, phone


def test_phone_fast_path_agrees_with_phonenumbers():
    """The shortcut for US numbers must decide exactly as phonenumbers does, for every area code."""
    samples = list(PHONES) + [
        f"{prefix}{area}{sep}{exchange}{sep}0123"
        for area in range(200, 1000)
        for exchange in ("555", "212", "911")
        for prefix, sep in (("", "-"), ("+1 ", " "), ("1", ""))
    ]
    for value in samples:
        try:
            number = phonenumbers.parse(value, "US")
            valid = phonenumbers.is_valid_number(number)
        except phonenumbers.NumberParseException:
            valid = False
        expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) if valid else None
        assert normalise_phone(value) == expected, value


EMAILS = {
    "plain.person+tag@mail.example.org": True,
    "o'brien@example.ie": True,
    "user@localhost": True,  # Django's allowlist
    '"quoted.local"@example.net': True,
    '"two words"@example.net': False,  # Django's quoted form has no spaces
    "name@exämple.net": True,  # internationalised domain
    "josé@example.net": False,
    "no-at-sign.example.net": False,
    "double..dot@example.net": False,
    "trailing@example.": False,
    "dash@-example.net": False,
}


def test_emails_are_checked_as_the_forms_check_them(chapter_a):
    long_email = "x" * 250 + "@example.net"
    out = io.StringIO()
    csv.writer(out).writerows([email, "E", i, "29201", ""] for i, email in enumerate([*EMAILS, long_email]))
    result = run(chapter_a, ROSTER_HEADER + out.getvalue(), mode=Mode.ONLY_GOOD_ROWS)
    imported = set(User.objects.values_list("email", flat=True))
    for email, valid in EMAILS.items():
        assert (email.lower() in imported) == valid, email
    assert result.errors[-1].reason == "Email address is longer than 254 characters."
    assert long_email not in imported


def test_unreadable_in_the_middle_refuses_whole_file_and_writes_nothing(chapter_a):
    huge = "x" * (csv.field_size_limit() + 1)
    result = run(chapter_a, ROSTER_CLEAN + f"late@example.net,{huge},L,29201,\n", mode=Mode.ONLY_GOOD_ROWS)
    assert not result.committed
    assert [e.reason[:26] for e in result.errors] == ["The file is not valid CSV "]
    assert not User.objects.filter(email__endswith="@example.net").exists()
    result = run(chapter_a, ROSTER_CLEAN + "nul@example.net,N\x00L,L,29201,\n", mode=Mode.ONLY_GOOD_ROWS)
    assert (result.committed, result.errors[0].line) == (False, 5)
    assert "NUL characters" in result.errors[0].reason
    assert not Member.objects.exists()


def test_rows_are_written_in_slices_without_gaps(chapter_a, monkeypatch):
    monkeypatch.setattr("members.roster.WRITE_BATCH", 3)
    run(chapter_a, ROSTER_CLEAN)
    lines = [f"slice{i}@example.net,S,{i},29201,\n" for i in range(8)]
    lines[4] = "slice4@example.net,S,4,00000,\n"  # an error in the middle of a slice
    lines.append("alice.one@example.net,Alicia,One,29201,\n")  # an update in the last slice
    result = run(chapter_a, ROSTER_HEADER + "".join(lines), mode=Mode.ONLY_GOOD_ROWS)
    assert (result.created, result.updated, len(result.errors)) == (7, 1, 1)
    emails = set(User.objects.filter(email__startswith="slice").values_list("email", flat=True))
    assert emails == {f"slice{i}@example.net" for i in range(8) if i != 4}
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 10
    assert User.objects.get(email="alice.one@example.net").first_name == "Alicia"


def test_an_import_leaves_the_people_search_index_merged(chapter_a, coordinator_a):
    """What the import added is in the trigram indexes themselves, not in pending lists every search reads."""
    from members.roster import SEARCH_INDEXES

    with connection.cursor() as cursor:
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [index])
            assert cursor.fetchone()[0] == ["gin_pending_list_limit=256"]
        rows = "".join(f"person{i}@example.net,Person,Number{i},29201,\n" for i in range(300))
        assert run(chapter_a, ROSTER_HEADER + rows, actor=coordinator_a).created == 300
        for index in SEARCH_INDEXES:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            assert cursor.fetchone()[0] == 0  # nothing was left to merge
    found = User.objects.filter(email__icontains="person123@")
    assert list(found.values_list("email", flat=True)) == ["person123@example.net"]
