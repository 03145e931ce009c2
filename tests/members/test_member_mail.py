"""Members' mails: allauth's through the adapter and the shared helper, and the invitation to claim an account."""

import io
import re
import time

import pytest
from django.contrib.sites.models import Site
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lib.mail import render_mail_template
from members.models import Member, User, claim_token, send_invitation
from members.roster import import_members
from tests.factories import move_national_call

ROSTER = (
    "Email,First Name,Last Name,ZIP Code\nalice.one@example.net,Alice,One,29201\nbob.two@example.net,Bob,Two,29201\n"
)
PASSWORD = "a-fresh-long-passphrase"


@pytest.fixture
def imported(chapter_a, coordinator_a) -> dict[str, Member]:
    """Two people on a chapter's roster, imported as a coordinator imports them."""
    result = import_members(chapter=chapter_a, file=io.BytesIO(ROSTER.encode()), mode="all", actor=coordinator_a)
    assert result.committed, result.errors
    return {m.user.first_name: m for m in Member.objects.select_related("user", "chapter")}


def claim_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/join/claim/\S+/)", message.body).group(1)


def test_signup_confirmation_names_the_coalition_not_the_host_in_a_text_and_an_html_part(
    client, chapter_a, mailoutbox, settings
):
    client.post(
        "/join/",
        {"first_name": "Jo", "last_name": "Newcomb", "email": "jo@example.net", "password1": PASSWORD,
         "zip_code": "29201", "phone": ""},
        HTTP_HOST="127.0.0.1",
    )  # fmt: skip
    [message] = mailoutbox
    assert message.to == ["jo@example.net"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "[Coalition] Confirm your email address to join"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    assert message.body.startswith("Hello from the Coalition of the States,")
    assert "join the Coalition of the States" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "Coalition of the States</td>" in html  # the layout's header bar
    # The host appears only inside the links, never as the sender's name.
    for part in (message.body, html):
        assert "127.0.0.1" not in part.replace(link, "")
        assert "Thank you for using" not in part


@pytest.mark.parametrize(
    "prefix",
    ["account/email/password_changed", "account/email/unknown_account", "mfa/email/totp_activated"],
)
def test_every_allauth_mail_has_an_html_part_and_names_the_coalition(prefix, rf, db):
    context = {"current_site": Site.objects.get_current(), "ip": "192.0.2.1", "user_agent": "Firefox",
               "timestamp": "now", "email": "a@example.org", "signup_url": "https://example.org/join/"}  # fmt: skip
    message = render_mail_template(prefix, ["a@example.org"], context, request=rf.get("/"))
    [(html, _)] = message.alternatives
    for part in (message.body, html):
        assert "Coalition of the States" in part
        assert Site.objects.get_current().domain not in part


def test_invitation_has_a_text_and_an_html_part_with_the_lifetime_and_the_call(imported, mailoutbox):
    alice = imported["Alice"]
    move_national_call(3, "18:00", "America/New_York")
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
