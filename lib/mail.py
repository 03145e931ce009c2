"""Mail: one helper that every sender uses, and the development backend.

`send_mail_template` renders `<prefix>_subject.txt`, `<prefix>_message.txt` and
`<prefix>_message.html` into one message with a text part and an HTML alternative; a mail
without an HTML template of its own (allauth's notices) gets its text inside the shared
layout, templates/emails/_layout.html. Every template sees `coalition_name` (the setting
COALITION_NAME), so no mail names the host it was sent from. The coalition's own mails live in
templates/emails/; allauth's (account/email/..., mfa/email/...) reach the same helper through
members/adapter.py.
"""

from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.http import HttpRequest
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.crypto import get_random_string


def render_mail_template(
    template_prefix: str,
    recipients: list[str],
    context: dict,
    *,
    request: HttpRequest | None = None,
    from_email: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The message, not sent: for a caller that adjusts it first (allauth's adapter adds its subject prefix)."""
    context = {"coalition_name": settings.COALITION_NAME, **context}
    # A subject is one line whatever the template's line breaks.
    subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context, request).split())
    text = render_to_string(f"{template_prefix}_message.txt", context, request).strip()
    message = EmailMultiAlternatives(subject, text, from_email, recipients, headers=headers)
    try:
        html = render_to_string(f"{template_prefix}_message.html", context, request)
    except TemplateDoesNotExist:
        html = render_to_string("emails/_from_text.html", {**context, "text": text}, request)
    message.attach_alternative(html.strip(), "text/html")
    return message


def send_mail_template(template_prefix: str, recipients: list[str], context: dict, **options) -> None:
    """Render and send; `options` are render_mail_template's (request, from_email, headers)."""
    render_mail_template(template_prefix, recipients, context, **options).send()


class ConsoleAndFileBackend(ConsoleBackend):
    """Development mail: print each message and keep it as an .eml file under .data/mail/."""

    def send_messages(self, email_messages: list) -> int:
        sent = super().send_messages(email_messages)
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{get_random_string(6)}-{message.to[0] if message.to else 'nobody'}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
        return sent
