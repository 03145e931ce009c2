"""The broadcast's jobs: materialise its recipients, then send to them in batches at a steady rate.

`send_broadcast` runs under a procrastinate lock per broadcast, so only one sender works on a
broadcast at a time. Each batch claims its rows (queued -> sending) in one statement, then sends
them over one SMTP connection, marking each row sent right after the server's 250. A worker
killed mid-batch leaves some rows in "sending": lib.jobs.retry_stalled_jobs hands the job to
another worker, which puts them back in the queue (only the one message in flight at the kill
could have been accepted and not yet marked) and carries on.
"""

import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.utils import timezone
from procrastinate.contrib.django import app

from broadcasts.mail import Compiled, members_for
from broadcasts.models import Broadcast, Recipient, Suppression, claim, mark, materialise, release_claims, suppress
from lib import audit
from lib.mail_queue import CappedBackoff

logger = logging.getLogger(__name__)


def lock(broadcast_id: int) -> str:
    return f"broadcast-{broadcast_id}"


@app.task(name="prepare_broadcast", queue="broadcasts", retry=CappedBackoff(attempts=10))
def prepare_broadcast(broadcast_id: int) -> None:
    """Materialise the audience (one INSERT ... SELECT), then start sending."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id, state=Broadcast.State.SENDING).first()
    if broadcast is None:  # paused or cancelled before it started
        return
    added = materialise(broadcast)
    logger.info("Broadcast %s: %s recipients", broadcast_id, added)
    defer_sending(broadcast_id)


@app.task(name="start_scheduled_broadcast", queue="broadcasts")
def start_scheduled(broadcast_id: int, send_at: str) -> None:
    """At the scheduled time: start it, unless it was unscheduled, cancelled or rescheduled meanwhile."""
    with transaction.atomic():
        broadcast = (
            Broadcast.objects.select_for_update().filter(pk=broadcast_id, state=Broadcast.State.SCHEDULED).first()
        )
        if broadcast is None or broadcast.send_at is None or broadcast.send_at.isoformat() != send_at:
            return
        broadcast.state, broadcast.started_at = Broadcast.State.SENDING, timezone.now()
        broadcast.save(update_fields=["state", "started_at"])
        audit.record(broadcast.sent_by, broadcast, "Broadcast started at its scheduled time")
        prepare_broadcast.defer(broadcast_id=broadcast.pk)


def defer_sending(broadcast_id: int) -> None:
    send_broadcast.configure(lock=lock(broadcast_id)).defer(broadcast_id=broadcast_id)


@app.task(name="send_broadcast", queue="broadcasts", retry=CappedBackoff())
def send_broadcast(broadcast_id: int) -> None:
    broadcast = Broadcast.objects.select_related("chapter").get(pk=broadcast_id)
    release_claims(broadcast_id)  # rows a killed sender held (this job runs alone: the lock)
    compiled = Compiled.of(broadcast)
    pace, after = Pace(settings.BROADCAST_RATE), 0
    with connection.cursor() as cursor:
        # Each row is marked sent in a commit of its own; waiting for each to reach the disk would
        # cap sending at the disk's flush rate. A killed worker loses nothing by it (PostgreSQL has
        # the commit); only a crash of PostgreSQL itself could lose the last fraction of a second
        # of marks, and resend those few messages.
        cursor.execute("SET synchronous_commit TO off")
    try:
        while Broadcast.objects.filter(pk=broadcast_id, state=Broadcast.State.SENDING).exists():
            batch = claim(broadcast_id, after, settings.BROADCAST_BATCH_SIZE)
            if not batch:
                Broadcast.objects.filter(pk=broadcast_id, state=Broadcast.State.SENDING).update(
                    state=Broadcast.State.SENT, finished_at=timezone.now()
                )
                return
            send_batch(compiled, batch, pace)
            after = batch[-1][0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


class Pace:
    """At most `rate` messages a second, on average since sending began."""

    def __init__(self, rate: float) -> None:
        self.rate, self.started, self.sent = rate, time.monotonic(), 0

    def wait(self) -> None:
        self.sent += 1
        ahead = self.sent / self.rate - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(ahead)


def send_batch(compiled: Compiled, batch: list[tuple[int, str]], pace: Pace) -> None:
    """One SMTP connection for the batch; each row marked as soon as its answer is known.

    Whoever was suppressed or withdrew consent since the audience was taken is skipped.
    """
    broadcast_id = compiled.broadcast.pk
    compiled.calls.refresh()
    members = members_for([member_id for member_id, _ in batch])
    suppressed = set(
        Suppression.objects.filter(email__in=[email for _, email in batch]).values_list("email", flat=True)
    )
    smtp = get_connection(settings.MAIL_DELIVERY_BACKEND, fail_silently=False)
    pending = [member_id for member_id, _ in batch]
    try:
        smtp.open()
        for member_id, email in batch:
            member = members.get(member_id)
            if member is None:  # the account was deleted meanwhile
                mark(broadcast_id, member_id, Recipient.State.CANCELLED, "no longer a member")
            elif email in suppressed:
                mark(broadcast_id, member_id, Recipient.State.BOUNCED, "address suppressed")
            elif not member.email_updates:
                mark(broadcast_id, member_id, Recipient.State.UNSUBSCRIBED, "withdrew consent")
            else:
                send_one(smtp, compiled, member, email)
                pace.wait()
            pending.remove(member_id)
    finally:
        smtp.close()
        if pending:  # a temporary failure stopped the batch: its rows wait for the job's retry
            Recipient.objects.filter(
                broadcast_id=broadcast_id, member_id__in=pending, state=Recipient.State.SENDING
            ).update(state=Recipient.State.QUEUED)


def send_one(smtp, compiled: Compiled, member, email: str) -> None:
    """Send one copy; a permanent refusal (5xx) suppresses the address, anything else is retried."""
    broadcast_id = compiled.broadcast.pk
    try:
        smtp.send_messages([compiled.message(member, email, recipient=True)])
    except smtplib.SMTPRecipientsRefused as refused:
        codes = [code for code, _ in refused.recipients.values()]
        if not (codes and all(500 <= code < 600 for code in codes)):
            raise
        refuse(broadcast_id, member.pk, email, codes[0], str(refused.recipients))
    except smtplib.SMTPResponseException as error:  # e.g. the message refused after DATA
        if not 500 <= error.smtp_code < 600:
            raise
        refuse(broadcast_id, member.pk, email, error.smtp_code, str(error.smtp_error))
    else:
        mark(broadcast_id, member.pk, Recipient.State.SENT)


def refuse(broadcast_id: int, member_id: int, email: str, code: int, answer: str) -> None:
    suppress(email, Suppression.Reason.REFUSED, f"{code} {answer}")
    mark(broadcast_id, member_id, Recipient.State.BOUNCED, f"refused for good: {code}")
