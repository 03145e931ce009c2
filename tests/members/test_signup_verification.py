"""Signup through allauth: the verification mail is written, its link confirms, login works."""

import re
from email import message_from_bytes

from allauth.account.models import EmailAddress

from members.models import User

PASSWORD = "a-long-and-unusual-passphrase"


def sign_up(client, email: str):
    # allauth's own signup URL uses the same join form as /join/.
    data = {"email": email, "password1": PASSWORD, "first_name": "New", "last_name": "Person", "zip_code": "29201"}
    return client.post("/accounts/signup/", data)


def confirmation_path(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


def test_signup_writes_mail_file_and_link_verifies_then_login_works(client, db, settings, tmp_path):
    settings.EMAIL_BACKEND = "lib.mail.ConsoleAndFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path

    response = sign_up(client, "New.Person@Example.org")
    assert response.status_code == 302
    user = User.objects.get(email__iexact="new.person@example.org")
    assert not EmailAddress.objects.get(user=user).verified

    # Unverified: logging in sends the person back to "verify your email".
    client.logout()
    response = client.post("/accounts/login/", {"login": "new.person@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session

    mails = sorted(tmp_path.glob("*.eml"))
    assert mails, "the verification mail was not written under EMAIL_FILE_PATH"
    message = message_from_bytes(mails[0].read_bytes())
    body = (
        message.get_payload(decode=True)
        if not message.is_multipart()
        else message.get_payload(0).get_payload(decode=True)
    )
    path = confirmation_path(body.decode())

    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post("/accounts/login/", {"login": "new.person@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_same_email_in_other_case_does_not_make_a_second_account(client, db, mailoutbox):
    sign_up(client, "someone@example.org")
    client.logout()
    sign_up(client, "SOMEONE@example.org")
    assert User.objects.filter(email__iexact="someone@example.org").count() == 1


def test_tampered_confirmation_link_verifies_nothing(client, db, mailoutbox):
    sign_up(client, "someone@example.org")
    path = confirmation_path(mailoutbox[0].body)
    tampered = path[:-3] + "xx/"
    response = client.post(tampered)
    assert response.status_code in (200, 302, 404)
    assert not EmailAddress.objects.get(email="someone@example.org").verified


def test_admin_login_goes_through_allauth(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
