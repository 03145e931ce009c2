"""Mail off the request path: Django's EMAIL_BACKEND queues, a procrastinate worker delivers.

Every mail the app sends (allauth's, the coalition's own through lib.mail) goes through
`QueuedEmailBackend`, which stores each message as a job. The job is written with the request's
database connection, so inside a transaction it commits or rolls back with the change that caused
it: a signup that fails sends nothing, a signup made while the SMTP server is down is stored and
answered normally, and its mail leaves when the server is back.

The worker delivers through settings.MAIL_DELIVERY_BACKEND (SMTP, an anymail provider, or the
development console). A temporary failure is retried with a capped exponential backoff; a
permanent refusal (5xx) is logged and not retried, since retrying cannot change the answer.
"""

import base64
import logging
import smtplib
from email import message_from_bytes

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


class CappedBackoff(BaseRetryStrategy):
    """Wait 2, 4, 8 ... seconds between attempts, never more than `cap`, for at most `attempts` tries.

    With the defaults a message keeps trying for about a day (an SMTP outage over a weekend night
    still ends in delivery), and a retry is never more than ten minutes behind the server's return.
    """

    def __init__(self, *, cap: int = 600, attempts: int = 150, permanent: tuple[type[Exception], ...] = ()):
        self.cap, self.attempts, self.permanent = cap, attempts, permanent

    def get_retry_decision(self, *, exception, job):
        if job.attempts + 1 >= self.attempts or isinstance(exception, self.permanent):
            return None
        return RetryDecision(retry_in={"seconds": min(2 ** (job.attempts + 1), self.cap)})


class PermanentFailure(Exception):
    """The receiving server refused the message for good (a 5xx answer): retrying cannot help."""


def as_job(message: EmailMultiAlternatives) -> dict:
    """The message as JSON the job can carry, with everything a backend reads (anymail included)."""
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": [attachment_as_job(a) for a in message.attachments],
    }


def attachment_as_job(attachment) -> dict:
    if not isinstance(attachment, tuple):  # a MIMEBase part: keep it whole
        return {"mime": base64.b64encode(attachment.as_bytes()).decode()}
    filename, content, mimetype = attachment
    data = content.encode() if isinstance(content, str) else content
    return {"filename": filename, "content": base64.b64encode(data).decode(), "mimetype": mimetype}


def from_job(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
        alternatives=[tuple(pair) for pair in data["alternatives"]],
    )
    for attachment in data["attachments"]:
        if "mime" in attachment:
            message.attach(message_from_bytes(base64.b64decode(attachment["mime"])))
        else:
            message.attach(attachment["filename"], base64.b64decode(attachment["content"]), attachment["mimetype"])
    return message


@app.task(name="deliver_mail", queue="mail", retry=CappedBackoff(permanent=(PermanentFailure,)))
def deliver_mail(message: dict) -> None:
    email = from_job(message)
    try:
        get_connection(settings.MAIL_DELIVERY_BACKEND, fail_silently=False).send_messages([email])
    except smtplib.SMTPRecipientsRefused as refused:
        codes = {code for code, _ in refused.recipients.values()}
        if all(500 <= code < 600 for code in codes):
            logger.warning("Mail %r refused for good by the receiving server: %s", email.subject, refused.recipients)
            raise PermanentFailure(str(refused.recipients)) from refused
        raise


class QueuedEmailBackend(BaseEmailBackend):
    """Queue each message as a `deliver_mail` job, in the caller's transaction."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            if message.recipients():
                deliver_mail.defer(message=as_job(message))
        return len(email_messages)
