"""The public submission form: confirmation mail, rate limit and bad input."""

import io
import os
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from endorsements.models import Endorsement
from tests.factories import endorsement_form, png

SUBMIT = reverse("endorsements:endorsement-submit")
SUBMIT_LIMIT = 5  # per address and hour: "submit_endorsement" in settings.ACCOUNT_RATE_LIMITS


def noise_png(width: int, height: int) -> SimpleUploadedFile:
    """A real image that does not compress: random pixels."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="PNG")
    return SimpleUploadedFile("photo.png", out.getvalue(), content_type="image/png")


def confirm_link(message) -> str:
    return re.search(r"https?://testserver(/endorsements/confirm/[^/\s]+/)", message.body).group(1)


def test_submission_waits_for_the_mailed_confirmation(client, db, mailoutbox, coordinator_a):
    response = client.post(SUBMIT, endorsement_form(image=png()))
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    endorsement = Endorsement.objects.get()
    assert endorsement.status == Endorsement.Status.UNCONFIRMED
    assert endorsement.state_id == "SC"
    assert endorsement.image.name.endswith(".png")
    assert endorsement not in Endorsement.objects.queue()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["dana@whitfield.example.com"]
    assert "Confirm your endorsement" in mail.subject
    assert mail.alternatives[0][1] == "text/html"
    link = confirm_link(mail)

    assert "Confirm my endorsement" in client.get(link).content.decode()
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.UNCONFIRMED  # a GET (e.g. a mail scanner) confirms nothing

    response = client.post(link)
    assert "Thank you" in response.content.decode()
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.SUBMITTED
    assert endorsement in Endorsement.objects.queue().visible_to(coordinator_a)
    assert client.post(link).status_code == 200  # a second click is harmless
    endorsement.refresh_from_db()
    assert endorsement.status == Endorsement.Status.SUBMITTED


def test_tampered_confirmation_link_changes_nothing(client, db, mailoutbox):
    client.post(SUBMIT, endorsement_form())
    link = confirm_link(mailoutbox[0])
    response = client.post(link[:-3] + "xx/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert Endorsement.objects.get().status == Endorsement.Status.UNCONFIRMED


def test_national_endorsement_has_no_state(client, db):
    client.post(SUBMIT, endorsement_form(state=""))
    assert Endorsement.objects.get().state is None


def test_rate_limit_per_address(client, db, mailoutbox):
    for i in range(SUBMIT_LIMIT):
        assert client.post(SUBMIT, endorsement_form(name=f"Person {i}")).status_code == 200
    response = client.post(SUBMIT, endorsement_form(name="One too many"))
    assert response.status_code == 429
    assert "Too many submissions" in response.content.decode()
    assert Endorsement.objects.count() == SUBMIT_LIMIT
    assert len(mailoutbox) == SUBMIT_LIMIT
    other = client.post(SUBMIT, endorsement_form(name="Elsewhere"), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200
    assert Endorsement.objects.filter(name="Elsewhere").exists()


def test_invalid_submissions_do_not_count_against_the_limit(client, db):
    for _ in range(SUBMIT_LIMIT + 2):
        client.post(SUBMIT, endorsement_form(name=""))
    assert client.post(SUBMIT, endorsement_form()).status_code == 200
    assert Endorsement.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": None}, "name", "This field is required."),
        ({"statement": ""}, "statement", "This field is required."),
        ({"contact_email": ""}, "contact_email", "This field is required."),
        ({"made_on": "yesterday"}, "made_on", "Enter a valid date."),
        ({"kind": "alien"}, "kind", "Select a valid choice."),
        ({"state": "ZZ"}, "state", "Select a valid choice."),
        ({"source_url": "javascript:alert(1)"}, "source_url", "Enter a valid URL."),
        ({"source_url": "ftp://example.org/file"}, "source_url", "Enter a valid URL."),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"statement": "y" * 2001}, "statement", "at most 2000 characters"),
        ({"contact_email": "not-an-address"}, "contact_email", "Enter a valid email address."),
    ],
)
def test_bad_input_gets_a_message_next_to_the_field_and_saves_nothing(client, db, mailoutbox, overrides, field,
                                                                     message):  # fmt: skip
    response = client.post(SUBMIT, endorsement_form(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert "Nothing was saved" in response.content.decode()
    assert not Endorsement.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("logo.png", b"<html><script>alert(1)</script></html>", "image/png"),
            "Upload a valid image",
        ),
        (noise_png(1000, 1000), "larger than 2 MB"),
        (png(4001, 10), "at most 4000×4000"),
    ],
)
def test_bad_uploads_are_refused(client, db, upload, message):
    upload.seek(0)
    response = client.post(SUBMIT, endorsement_form(image=upload))
    errors = response.context["form"].errors
    assert list(errors) == ["image"]
    assert message in " ".join(errors["image"])
    assert not Endorsement.objects.exists()


def test_uploaded_image_is_re_encoded(client, db):
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(out, format="JPEG")
    # A JPEG with HTML appended after the image data: the re-encoding drops the trailer.
    upload = SimpleUploadedFile("photo.jpg", out.getvalue() + b"<script>alert(1)</script>", "text/html")
    client.post(SUBMIT, endorsement_form(image=upload))
    endorsement = Endorsement.objects.get()
    assert endorsement.image.name.endswith(".jpg")
    with endorsement.image.open("rb") as stored:
        data = stored.read()
    assert b"<script>" not in data
    assert Image.open(io.BytesIO(data)).size == (30, 20)


def test_statement_html_is_escaped_in_the_mail_and_pages(client, db, mailoutbox):
    client.post(SUBMIT, endorsement_form(name='<img src=x onerror="alert(1)">'))
    html = mailoutbox[0].alternatives[0][0]
    assert "<img src=x" not in html
    assert "&lt;img" in html


def test_form_and_confirmation_pages_use_few_queries(client, db, mailoutbox, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get(SUBMIT).status_code == 200
    # allauth's rate limit counts in the shared cache (the database here) under a lock: 11 of these;
    # the endorsement and its mail are saved in one transaction (a savepoint in the test's): 2 more;
    # the footer's national call (an event): 1.
    with django_assert_max_num_queries(21):
        client.post(SUBMIT, endorsement_form())
    link = confirm_link(mailoutbox[0])
    with django_assert_max_num_queries(2):
        assert client.get(link).status_code == 200
    with django_assert_max_num_queries(9):  # with the footer's national call (an event)
        assert client.post(link).status_code == 200
