"""Accounts hardening: rate limits on the shared cache, other sessions end on a password
change, and staff need a second factor before the admin opens."""

import pytest
from allauth.account import app_settings as account_settings
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import Client

from lib.roles import NATIONAL_COORDINATORS
from tests.factories import PASSWORD, make_user, totp_now


def test_rate_limits_are_active_on_a_shared_cache():
    assert account_settings.RATE_LIMITS["login_failed"] == "10/m/ip,5/300s/key"
    assert isinstance(caches["default"], DatabaseCache)


def test_repeated_failed_logins_are_throttled(client, member):
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": member.email, "password": "wrong-password"})
        assert response.status_code == 200
        assert b"not correct" in response.content
    # Even the right password is refused now, with a message by the form.
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_failed_logins_on_one_account_do_not_lock_out_another(client, member):
    for _ in range(5):
        client.post("/accounts/login/", {"login": member.email, "password": "wrong-password"})
    other = make_user("other@example.org")
    response = client.post("/accounts/login/", {"login": other.email, "password": PASSWORD})
    assert response.status_code == 302


def activate_totp(client: Client) -> None:
    """Set up TOTP the way a person does right after logging in: scan, type the code."""
    # The login moments ago counts as having typed the password (members/adapter.py).
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302


def test_two_factor_changes_ask_for_the_password_again_once_the_login_is_not_fresh(member, settings):
    client = login(member.email)
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0  # as if the login was long ago
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.url.startswith("/accounts/reauthenticate/")
    assert client.post(response.url, {"password": PASSWORD}).status_code == 302
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_a_session_logged_in_without_allauth_is_asked_for_the_password(client, member):
    client.force_login(member)
    assert client.get("/accounts/2fa/totp/activate/").url.startswith("/accounts/reauthenticate/")


def login(email: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_password_change_logs_out_other_sessions(member):
    laptop, phone = login(member.email), login(member.email)
    response = laptop.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7"},
    )
    assert response.status_code == 302
    assert laptop.get("/accounts/email/").status_code == 200  # this session stays
    response = phone.get("/accounts/email/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_password_reset_logs_out_other_sessions(member, mailoutbox):
    phone = login(member.email)
    Client().post("/accounts/password/reset/", {"email": member.email})
    link = next(word for word in mailoutbox[-1].body.split() if "/accounts/password/reset/key/" in word)
    browser = Client()
    form_url = browser.get(link).url  # allauth moves the key into the session, then shows the form
    response = browser.post(form_url, {"password1": "a-new-long-passphrase-7", "password2": "a-new-long-passphrase-7"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("a-new-long-passphrase-7")
    response = phone.get("/accounts/email/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_common_passwords_are_refused(client, db):
    response = client.post(
        "/accounts/signup/", {"email": "new@example.org", "password1": "password123", "password2": "password123"}
    )
    assert response.status_code == 200
    assert b"too common" in response.content


@pytest.fixture
def staff_without_mfa(db):
    user = make_user("new-staff@example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    return user


def test_staff_without_mfa_are_sent_to_set_it_up(client, staff_without_mfa):
    client.force_login(staff_without_mfa)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[0] == ("/accounts/2fa/", 302)
    assert b"Set up two-factor authentication before you open the admin" in response.content
    assert client.get("/admin/chapters/chapter/").status_code == 302


def test_staff_get_into_the_admin_after_setting_up_totp(staff_without_mfa):
    client = login(staff_without_mfa.email)
    assert client.get("/admin/").url == "/accounts/2fa/"
    activate_totp(client)
    assert Authenticator.objects.filter(user=staff_without_mfa, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_staff_with_mfa_must_give_a_code_to_log_in(national):
    secret_holder = Authenticator.objects.get(user=national, type=Authenticator.Type.TOTP)
    client = Client()
    response = client.post("/accounts/login/", {"login": national.email, "password": PASSWORD})
    assert response.url == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # not logged in yet
    assert client.post("/accounts/2fa/authenticate/", {"code": "000000"}).status_code == 200
    from allauth.mfa.utils import decrypt

    code = totp_now(decrypt(secret_holder.data["secret"]))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_members_can_turn_on_mfa(member):
    client = login(member.email)
    activate_totp(client)
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()


def test_member_never_reaches_the_admin_or_the_mfa_redirect(client, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")  # the admin's own refusal, not the MFA page


def test_account_pages_link_to_two_factor_setup(client, member):
    client.force_login(member)
    response = client.get("/accounts/email/")
    assert response.status_code == 200
    assert b'href="/accounts/2fa/"' in response.content


# Hosts this test run's ALLOWED_HOSTS accepts, spelled as an attacker might vary them.
HOST_VARIANTS = ["testserver", "localhost", "localhost:1", "LOCALHOST:8000", "127.0.0.1:2", "[::1]:3"]


def test_the_account_lock_holds_whatever_host_the_requests_carry(client, member):
    for host in HOST_VARIANTS[:5]:
        response = client.post(
            "/accounts/login/", {"login": member.email, "password": "wrong-password"}, HTTP_HOST=host
        )
        assert b"not correct" in response.content, host
    for host in HOST_VARIANTS:
        response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD}, HTTP_HOST=host)
        assert response.status_code == 200, host
        assert b"Too many failed login attempts" in response.content, host
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("host", [" localhost", "localhost ", "local host", "localhost:1:2"])
def test_a_host_with_spaces_or_junk_is_refused_not_counted_apart(client, member, host):
    for _ in range(5):
        client.post("/accounts/login/", {"login": member.email, "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD}, HTTP_HOST=host)
    assert response.status_code in (200, 400)
    assert b"Too many failed login attempts" in response.content or response.status_code == 400
    assert "_auth_user_id" not in client.session
