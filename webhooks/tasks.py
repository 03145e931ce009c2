"""Sending deliveries: signed, retried with backoff, every attempt logged, a failing subscription paused.

Retries follow WEBHOOK_RETRY_DELAYS (by default the Standard Webhooks schedule: 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 10 h; about a day in all). Any answer but 2xx is a failure. A
subscription that has failed WEBHOOK_PAUSE_AFTER_FAILURES times in a row, over at least
WEBHOOK_PAUSE_AFTER_SECONDS, is paused and its owner mailed; its waiting deliveries are then
skipped, not sent, until a coordinator resumes it.
"""

import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from lib.urls import absolute_url
from webhooks import outbound, signing
from webhooks.models import Attempt, Delivery, Subscription

logger = logging.getLogger(__name__)


class Failed(Exception):
    """The receiver did not accept the delivery; the queue tries again later."""


class Schedule(BaseRetryStrategy):
    """Retry after each of settings.WEBHOOK_RETRY_DELAYS in turn (read when deciding, so tests can shorten it)."""

    def get_retry_decision(self, *, exception, job):
        delays = settings.WEBHOOK_RETRY_DELAYS
        if not isinstance(exception, Failed) or job.attempts >= len(delays):
            return None
        return RetryDecision(retry_in={"seconds": delays[job.attempts]})


@app.task(name="deliver_webhook", queue="webhooks", retry=Schedule(), pass_context=True)
def deliver_webhook(context, delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("subscription__created_by").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return  # deleted with its subscription, or already settled
    subscription = delivery.subscription
    if subscription.paused_at is not None:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SKIPPED)
        return
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = signing.headers(subscription.secret, delivery.message_id, int(time.time()), body)
    status, ms, error = None, None, ""
    try:
        answer = outbound.post(subscription.url, body, headers)
        status, ms = answer.status, answer.ms
        if not 200 <= answer.status < 300:
            error = f"Answered {answer.status}."
    except (outbound.Refused, outbound.SendError) as problem:
        error = str(problem)[:300]
    last_try = context.job.attempts >= len(settings.WEBHOOK_RETRY_DELAYS)
    with transaction.atomic():
        Attempt.objects.create(delivery=delivery, status_code=status, response_ms=ms, error=error)
        outcome = Delivery.Status.DELIVERED if not error else (Delivery.Status.FAILED if last_try else None)
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=F("attempts") + 1, last_status_code=status, last_response_ms=ms, last_error=error,
            **({"status": outcome} if outcome else {}),
            **({"delivered_at": timezone.now()} if not error else {}),
        )  # fmt: skip
        if not error:
            Subscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0, failing_since=None)
            return
        paused = count_failure(subscription)
    if paused:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED)
        return
    if not last_try:
        raise Failed(error)


@app.periodic(cron="41 3 * * *", periodic_id="remove_old_deliveries")
@app.task(name="remove_old_deliveries", queue="housekeeping", queueing_lock="remove_old_deliveries")
def remove_old_deliveries(timestamp: int) -> None:
    """Settled deliveries hold people's details: the log keeps them WEBHOOK_KEEP_DAYS, then lets them go."""
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_KEEP_DAYS)
    Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Delivery.Status.PENDING).delete()


def count_failure(subscription: Subscription) -> bool:
    """Count one more failure; pause the subscription (and mail its owner) when it has failed long enough."""
    now = timezone.now()
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.consecutive_failures += 1
    subscription.failing_since = subscription.failing_since or now
    enough = subscription.consecutive_failures >= settings.WEBHOOK_PAUSE_AFTER_FAILURES
    long_enough = now - subscription.failing_since >= timedelta(seconds=settings.WEBHOOK_PAUSE_AFTER_SECONDS)
    pause = subscription.paused_at is None and enough and long_enough
    if pause:
        subscription.paused_at = now
    subscription.save(update_fields=["consecutive_failures", "failing_since", "paused_at"])
    if pause:
        mail_paused(subscription)
    return subscription.paused_at is not None


def mail_paused(subscription: Subscription) -> None:
    logger.warning(
        "Webhook subscription %s paused after %s failures", subscription.pk, subscription.consecutive_failures
    )
    page = absolute_url(reverse("admin:webhooks_subscription_change", args=[subscription.pk]))
    send_mail(
        subject=f"[Coalition] Webhook paused: {subscription.name}",
        message=(
            f"Hello,\n\nThe webhook subscription “{subscription.name}” has failed "
            f"{subscription.consecutive_failures} times in a row since "
            f"{subscription.failing_since:%Y-%m-%d %H:%M} UTC, "
            f"so it is paused: nothing more is sent to {subscription.url}.\n\n"
            f"When the receiver works again, resume it in the admin: {page}\n"
            "The log of each attempt (status and error) is on that page.\n"
        ),
        from_email=None,
        recipient_list=[subscription.created_by.email],
    )
