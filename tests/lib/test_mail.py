"""lib.mail: every mail is rendered from a subject / text / HTML triplet by one helper."""

from django.core import mail

from lib.mail import render_mail_template, send_mail_template


class Endorsement:
    name = "Dana <b>Whitfield</b> & Co"


def context() -> dict:
    return {
        "endorsement": Endorsement(),
        "confirm_url": "https://example.org/endorsements/confirm/abc/",
        "confirm_days": 7,
    }


def test_a_triplet_becomes_one_message_with_a_text_and_an_html_part(settings):
    send_mail_template("emails/endorsement_confirm", ["dana@example.org"], context())
    [message] = mail.outbox
    assert message.to == ["dana@example.org"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "[Coalition] Confirm your endorsement"
    assert "https://example.org/endorsements/confirm/abc/" in message.body
    assert "The link works for 7 days." in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://example.org/endorsements/confirm/abc/"' in html
    assert "Dana &lt;b&gt;Whitfield&lt;/b&gt; &amp; Co" in html  # escaped in HTML
    assert 'Dana <b>Whitfield</b> & Co"' in message.body  # as written in plain text


def test_a_template_without_an_html_version_gets_its_text_in_the_shared_layout():
    # allauth's own notices are text only; the helper puts their text in the HTML layout.
    message = render_mail_template(
        "account/email/password_changed", ["a@example.org"], {"ip": "192.0.2.1", "user_agent": "<script>"}
    )
    assert message.subject == "Password Changed"
    assert "192.0.2.1" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "192.0.2.1" in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    assert "Coalition of the States</td>" in html


def test_subject_is_one_line():
    message = render_mail_template("emails/endorsement_confirm", ["a@example.org"], context())
    assert "\n" not in message.subject
