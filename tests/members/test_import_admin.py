"""The admin's roster import (upload → preview → commit) and invitations to claim an account."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members.models import Member
from tests.factories import ROLES, ROSTER_BAD, ROSTER_CLEAN

IMPORT_URL = "/admin/members/member/import/"


def upload(client, chapter, text: str, mode: str = "all"):
    return client.post(
        IMPORT_URL, {"chapter": chapter.pk, "mode": mode, "file": SimpleUploadedFile("roster.csv", text.encode())}
    )


@pytest.mark.parametrize("role", ROLES)
def test_import_page_by_role(as_role, role, django_assert_max_num_queries):
    client = as_role(role)
    with django_assert_max_num_queries(15):
        response = client.get(IMPORT_URL)
    expected = {"national": 200, "coordinator_a": 200, "coordinator_b": 200, "member": 302, "anonymous": 302}
    assert response.status_code == expected[role]
    if role == "coordinator_a":
        html = response.content.decode()
        assert "South Carolina Consents" in html
        assert "Wyoming Consents" not in html


def test_preview_then_commit(as_role, chapter_a):
    client = as_role("coordinator_a")
    response = upload(client, chapter_a, ROSTER_CLEAN)
    html = response.content.decode()
    assert "Preview" in html
    assert "First Name" in html
    assert "alice.one@example.net" in html.lower()
    assert not Member.objects.exists()
    token = response.context["token"]
    response = client.post(IMPORT_URL, {"token": token})
    assert response.status_code == 302
    assert Member.objects.filter(chapter=chapter_a, status="imported").count() == 3


def test_bad_file_all_or_nothing_offers_no_import_and_lists_errors(as_role, chapter_a):
    client = as_role("coordinator_a")
    response = upload(client, chapter_a, ROSTER_BAD, mode="all")
    html = response.content.decode()
    assert "Not a valid email" in html
    assert 'name="token"' not in html
    errors = client.get(f"{IMPORT_URL}{response.context['token']}/errors.csv")
    assert errors["Content-Type"].startswith("text/csv")
    assert "3,not-an-email" in errors.content.decode()
    assert not Member.objects.exists()


def test_bad_file_only_good_rows_imports_good_ones(as_role, chapter_a):
    client = as_role("coordinator_a")
    response = upload(client, chapter_a, ROSTER_BAD, mode="good")
    client.post(IMPORT_URL, {"token": response.context["token"]})
    assert Member.objects.count() == 2


def test_coordinator_cannot_import_into_other_chapter(as_role, chapter_b):
    response = upload(as_role("coordinator_a"), chapter_b, ROSTER_CLEAN)
    assert "chapter" in response.context["form"].errors
    assert not Member.objects.exists()


def test_other_coordinator_cannot_use_an_upload_token(as_role, client, chapter_a, coordinator_b):
    response = upload(as_role("coordinator_a"), chapter_a, ROSTER_CLEAN)
    token = response.context["token"]
    client.force_login(coordinator_b)
    assert client.post(IMPORT_URL, {"token": token}).status_code == 404
    assert client.get(f"{IMPORT_URL}{token}/errors.csv").status_code == 404
    assert not Member.objects.exists()


def test_invitation_is_sent_only_when_asked_and_link_claims_once(as_role, client, chapter_a, mailoutbox):
    coordinator = as_role("coordinator_a")
    upload_response = upload(coordinator, chapter_a, ROSTER_CLEAN)
    coordinator.post(IMPORT_URL, {"token": upload_response.context["token"]})
    assert mailoutbox == []
    alice = Member.objects.get(user__email="alice.one@example.net")
    response = coordinator.post(
        "/admin/members/member/", {"action": "send_invitations", "_selected_action": [alice.pk]}
    )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice.one@example.net"]
    path = re.search(r"https?://[^/\s]+(/join/claim/\S+/)", mailoutbox[0].body).group(1)

    client.logout()
    assert client.get(path).status_code == 200
    response = client.post(
        path, {"new_password1": "a-fresh-long-passphrase", "new_password2": "a-fresh-long-passphrase"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.status == Member.Status.ACTIVE
    assert alice.user.check_password("a-fresh-long-passphrase")
    assert alice.user.emailaddress_set.get().verified
    client.logout()
    assert client.get(path).status_code == 400  # single use


def test_invitation_link_with_bad_token_is_refused(client, chapter_a):
    assert client.get("/join/claim/MQ/not-a-token/").status_code == 400
    assert client.get("/join/claim/%%%/x/").status_code in (400, 404)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "old Excel"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "an image"),
        ("email,zip\nann@example.org,29201\n".encode("utf-16"), "UTF-16"),
        (b"<html><script>alert(1)</script></html>", "not a CSV text file"),
        (b"email,zip\x00\x01\x02", "not a CSV text file"),
    ],
)
def test_a_file_that_is_not_csv_is_refused_by_its_content_whatever_its_name(as_role, chapter_a, content, says):
    client = as_role("coordinator_a")
    before = Member.objects.count()
    response = client.post(
        IMPORT_URL, {"chapter": chapter_a.pk, "mode": "all", "file": SimpleUploadedFile("roster.csv", content)}
    )
    assert response.status_code == 200
    assert says in response.content.decode()
    assert "Import" in response.content.decode()
    assert Member.objects.count() == before


def test_errors_csv_neutralises_addresses_that_would_start_a_formula(as_role, chapter_a):
    client = as_role("coordinator_a")
    response = upload(client, chapter_a, "email,zip\n=cmd@example.net,00000\n")
    errors = client.get(f"{IMPORT_URL}{response.context['token']}/errors.csv").content.decode()
    assert errors.splitlines()[1].startswith("2,'=cmd@example.net,")


def test_preview_speaks_the_files_own_column_names(as_role, chapter_a):
    client = as_role("coordinator_a")
    roster = "E-mail,Given name,Surname,Zip\nann.new@example.net,Ann,New,29201\n"
    html = upload(client, chapter_a, roster).content.decode()
    first_rows = html[html.index("First rows") :]
    assert '<th scope="col">Given name</th><th scope="col">Surname</th><th scope="col">Zip</th>' in first_rows
    assert "first_name" not in html
    assert "zip_code" not in html
    assert "<td>Last name</td><td>Surname</td>" in html


def test_import_button_says_new_and_changed_apart(as_role, chapter_a):
    client = as_role("coordinator_a")
    assert 'value="Add 3 new members"' in upload(client, chapter_a, ROSTER_CLEAN).content.decode()
    client.post(IMPORT_URL, {"token": upload(client, chapter_a, ROSTER_CLEAN).context["token"]})
    again = ROSTER_CLEAN.replace("Alice,One", "Alicia,One") + "dan.four@example.net,Dan,Four,29201,\n"
    assert 'value="Add 1 new member and update 1 changed member"' in upload(client, chapter_a, again).content.decode()
    html = upload(client, chapter_a, ROSTER_CLEAN).content.decode()
    assert 'name="token"' not in html
    assert "Nothing to import" in html


def test_error_rows_are_table_rows_not_error_boxes(as_role, chapter_a):
    # The admin's .errornote is display: block: on a <tr> it pushed the rows out from under their headers.
    html = upload(as_role("coordinator_a"), chapter_a, ROSTER_BAD, mode="good").content.decode()
    assert '<tr class="errornote">' not in html
    errors = html[html.index("Rows with errors") :]
    assert '<th scope="col">Line</th><th scope="col">Email</th><th scope="col">Reason</th>' in errors
