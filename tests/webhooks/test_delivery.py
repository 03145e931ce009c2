"""Deliveries leave through the task queue to a real HTTP server on loopback, signed, retried, logged, paused.

Every test here runs a real procrastinate worker (run_worker) against committed data, and checks
each request's signature with tests/webhooks/helpers.verify, written from the Standard Webhooks
specification rather than from the code under test.
"""

import json

import pytest
from django.core import mail
from django.db import transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from api.models import ApiKey
from tests.api.helpers import headers, make_key
from tests.factories import make_member
from tests.webhooks.helpers import BadSignature, subscribe, verify
from webhooks.models import Delivery, Subscription, new_secret


def test_a_member_who_joins_is_posted_signed_with_the_apis_representation(
    client, receiver, run_worker, chapter_a, coordinator_a
):
    subscription = subscribe(coordinator_a, chapter_a, receiver.url)
    member = make_member("joiner@example.net", "29201", first_name="Jo", last_name="Iner")
    run_worker()

    [request] = receiver.requests
    assert request.path == "/hooks/coalition"
    assert request.headers["Content-Type"] == "application/json"
    event = verify(subscription.secret, request.headers, request.body)
    # The check can fail: another body, another secret, an old timestamp.
    with pytest.raises(BadSignature):
        verify(subscription.secret, request.headers, request.body.replace(b"Iner", b"Inner"))
    with pytest.raises(BadSignature):
        verify(new_secret(), request.headers, request.body)
    with pytest.raises(BadSignature):
        verify(subscription.secret, request.headers, request.body, tolerance=-1)
    assert event["type"] == "person.created"
    _, token = make_key(coordinator_a, chapter_a, ApiKey.Scope.READ)
    from_api = json.loads(client.get(f"/api/people/{member.pk}/", **headers(token)).content)
    for field in ("identifiers", "given_name", "family_name", "email_addresses", "postal_addresses", "custom_fields",
                  "created_date"):  # fmt: skip
        assert event["data"][field] == from_api[field], field
    assert event["data"]["_links"]["self"]["href"].endswith(f"/api/people/{member.pk}/")

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    assert delivery.last_response_ms is not None
    assert delivery.message_id == request.headers["webhook-id"]
    assert [a.status_code for a in delivery.attempt_log.all()] == [200]


def test_a_failing_receiver_is_retried_with_the_same_id_until_it_accepts(receiver, run_worker, settings, chapter_a,
                                                                          coordinator_a):  # fmt: skip
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]
    receiver.statuses = [500, 503, 200]
    subscription = subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("joiner@example.net", "29201")
    run_worker()

    assert len(receiver.requests) == 3
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1, "a retry is the same message"
    for request in receiver.requests:
        verify(subscription.secret, request.headers, request.body)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 503, 200]
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert subscription.paused_at is None


def test_retries_stop_after_the_schedule_and_the_delivery_is_marked_failed(receiver, run_worker, settings, chapter_a,
                                                                            coordinator_a):  # fmt: skip
    settings.WEBHOOK_RETRY_DELAYS = [0, 0]
    receiver.statuses = [500]
    subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("joiner@example.net", "29201")
    run_worker()

    assert len(receiver.requests) == 3
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "Answered 500.")
    job = ProcrastinateJob.objects.get(task_name="deliver_webhook", args__delivery_id=delivery.pk)
    assert (job.status, job.attempts) == ("succeeded", 3), "the last try ends the job: nothing left to retry"


def test_the_first_retry_waits_for_its_delay(receiver, run_worker, settings, chapter_a, coordinator_a):
    receiver.statuses = [500, 200]  # WEBHOOK_RETRY_DELAYS as in production: the next try is 5 s later
    subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("joiner@example.net", "29201")
    run_worker()
    assert len(receiver.requests) == 1
    delivery = Delivery.objects.get()
    job = ProcrastinateJob.objects.get(task_name="deliver_webhook", args__delivery_id=delivery.pk)
    assert (job.status, job.attempts) == ("todo", 1)
    assert delivery.status == "pending"


def test_a_subscription_that_keeps_failing_is_paused_and_its_owner_mailed(
    receiver, run_worker, settings, chapter_a, coordinator_a
):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0, 0, 0]
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 3
    settings.WEBHOOK_PAUSE_AFTER_SECONDS = 0
    receiver.statuses = [500]
    subscription = subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("first@example.net", "29201")
    run_worker()

    assert len(receiver.requests) == 3, "paused at the third failure: no more tries"
    subscription.refresh_from_db()
    assert subscription.paused_at is not None
    assert subscription.consecutive_failures == 3
    assert Delivery.objects.get().status == "failed"
    [notice] = [m for m in mail.outbox if "Webhook paused" in m.subject]
    assert notice.to == [coordinator_a.email]
    assert subscription.url in notice.body
    assert f"/admin/webhooks/subscription/{subscription.pk}/change/" in notice.body

    make_member("second@example.net", "29201")  # a paused subscription gets nothing more
    run_worker()
    assert len(receiver.requests) == 3
    assert Delivery.objects.filter(status="pending").count() == 0


def test_failures_within_the_day_do_not_pause(receiver, run_worker, settings, chapter_a, coordinator_a):
    settings.WEBHOOK_RETRY_DELAYS = [0, 0, 0]
    settings.WEBHOOK_PAUSE_AFTER_FAILURES = 2  # many failures, but not yet over a day (the default)
    receiver.statuses = [500]
    subscription = subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("first@example.net", "29201")
    run_worker()
    subscription.refresh_from_db()
    assert subscription.paused_at is None
    assert subscription.consecutive_failures == 4
    assert not [m for m in mail.outbox if "Webhook paused" in m.subject]


def test_a_paused_subscription_skips_deliveries_already_queued(receiver, run_worker, chapter_a, coordinator_a):
    subscription = subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("first@example.net", "29201")
    Subscription.objects.filter(pk=subscription.pk).update(paused_at="2026-01-01T00:00Z")
    run_worker()
    assert receiver.requests == []
    assert Delivery.objects.get().status == "skipped"


def join_then_fail() -> None:
    with transaction.atomic():
        make_member("rolled-back@example.net", "29201")
        raise RuntimeError("the signup failed after the member was written")


def test_a_change_that_rolls_back_queues_no_delivery(receiver, run_worker, chapter_a, coordinator_a):
    subscribe(coordinator_a, chapter_a, receiver.url)
    with pytest.raises(RuntimeError, match="signup failed"):
        join_then_fail()
    run_worker()
    assert receiver.requests == []
    assert Delivery.objects.count() == 0
    assert not ProcrastinateJob.objects.filter(task_name="deliver_webhook", status="todo").exists()


def test_a_slow_receiver_times_out_and_is_retried(receiver, run_worker, settings, chapter_a, coordinator_a):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    settings.WEBHOOK_RETRY_DELAYS = [0]
    receiver.delay = 1
    subscribe(coordinator_a, chapter_a, receiver.url)
    make_member("joiner@example.net", "29201")
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == 2
    assert "timed out" in delivery.last_error
