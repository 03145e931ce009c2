"""Members' mails: allauth's through the adapter and the shared helper, and the invitation to claim an account."""

import io
import re
import time

import pytest
from django.core import signing
from django.test import override_settings
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from members.models import Member, User, claim_token, send_invitation
from members.roster import import_members

ROSTER = (
    "Email,First Name,Last Name,ZIP Code\nalice.one@example.net,Alice,One,29201\nbob.two@example.net,Bob,Two,29201\n"
)
PASSWORD = "a-fresh-long-passphrase"
THURSDAY_EVENING_EASTERN = {"NATIONAL_CALL_WEEKDAY": 3, "NATIONAL_CALL_TIME": "18:00",
                            "NATIONAL_CALL_TIMEZONE": "America/New_York"}  # fmt: skip


@pytest.fixture
def imported(chapter_a, coordinator_a) -> dict[str, Member]:
    """Two people on a chapter's roster, imported as a coordinator imports them."""
    result = import_members(chapter=chapter_a, file=io.BytesIO(ROSTER.encode()), mode="all", actor=coordinator_a)
    assert result.committed, result.errors
    return {m.user.first_name: m for m in Member.objects.select_related("user", "chapter")}


def claim_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/join/claim/\S+/)", message.body).group(1)


def test_signup_confirmation_goes_through_the_helper_with_allauths_subject_prefix(client, chapter_a, mailoutbox,
                                                                                   settings):  # fmt: skip
    client.post(
        "/join/",
        {"first_name": "Jo", "last_name": "Newcomb", "email": "jo@example.net", "password1": PASSWORD,
         "zip_code": "29201", "phone": ""},
    )  # fmt: skip
    [message] = mailoutbox
    assert message.to == ["jo@example.net"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "[Coalition] Please Confirm Your Email Address"
    assert "/accounts/confirm-email/" in message.body


def test_invitation_has_a_text_and_an_html_part_with_the_lifetime_and_the_call(imported, mailoutbox):
    alice = imported["Alice"]
    with override_settings(**THURSDAY_EVENING_EASTERN):
        assert send_invitation(member=alice, actor=None, base_url="https://coalition.example.org/")
    [message] = mailoutbox
    assert message.to == ["alice.one@example.net"]
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    for part in (message.body, html):
        assert "expires in 7 days" in part
        assert "National call: Thursdays at 6:00 pm Eastern." in part
        assert "Tuesday" not in part
    assert claim_path(message) in html


def test_claim_link_works_once(client, imported, mailoutbox):
    send_invitation(member=imported["Alice"], actor=None, base_url="http://testserver")
    path = claim_path(mailoutbox[0])
    assert client.get(path).status_code == 200
    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    client.logout()
    response = client.get(path)
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_claim_link_halves_from_two_mails_do_not_combine(client, imported, mailoutbox):
    send_invitation(member=imported["Alice"], actor=None, base_url="http://testserver")
    send_invitation(member=imported["Bob"], actor=None, base_url="http://testserver")
    alice_uid = claim_path(mailoutbox[0]).split("/")[3]
    bob_token = claim_path(mailoutbox[1]).split("/")[4]
    response = client.post(f"/join/claim/{alice_uid}/{bob_token}/", {"new_password1": PASSWORD,
                                                                     "new_password2": PASSWORD})  # fmt: skip
    assert response.status_code == 400
    assert not User.objects.get(email="alice.one@example.net").has_usable_password()
    assert not User.objects.get(email="bob.two@example.net").has_usable_password()


def test_expired_claim_link_is_refused_and_claims_nothing(client, imported, monkeypatch):
    alice = imported["Alice"]
    signed_at = time.time() - 8 * 24 * 3600  # the invitation lives 7 days
    monkeypatch.setattr(signing.time, "time", lambda: signed_at)
    token = claim_token(alice.user)
    monkeypatch.undo()
    uid = urlsafe_base64_encode(force_bytes(alice.user.pk))
    response = client.post(f"/join/claim/{uid}/{token}/", {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()
    alice.refresh_from_db()
    assert alice.status == Member.Status.IMPORTED
