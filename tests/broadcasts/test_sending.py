"""Sending for real: the admin's buttons, a real worker, and SMTP to aiosmtpd on loopback."""

import pytest
from django.contrib.admin.models import LogEntry
from procrastinate.contrib.django.models import ProcrastinateJob

from broadcasts.models import Broadcast, Recipient, Suppression

pytestmark = pytest.mark.usefixtures("fast")


@pytest.fixture
def fast(settings):
    settings.BROADCAST_RATE = 1000
    settings.BROADCAST_BATCH_SIZE = 2


def act(client, broadcast, verb: str, **data):
    response = client.post(f"/admin/broadcasts/broadcast/{broadcast.pk}/act/{verb}/", data)
    assert response.status_code == 302, response
    return response


def test_send_now_reaches_each_consenting_member_once_with_the_inbox_headers(
    as_role, people, broadcast_a, smtp_sink, run_worker, settings
):
    settings.BROADCAST_FROM_EMAIL = "SC Consents <news@example.org>"
    client = as_role("coordinator_a")
    act(client, broadcast_a, "send")
    assert smtp_sink.messages == [], "the request only queues the work"
    run_worker()

    assert sorted(m["To"] for m in smtp_sink.messages) == ["abe@example.net", "ann@example.net"]
    [ann] = smtp_sink.to("ann@example.net")
    assert ann["Subject"] == "Hello Ann"
    assert ann["From"] == "SC Consents <news@example.org>"
    assert ann["List-Unsubscribe"].strip().startswith("<http://testserver/u/")  # folded: a long line
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ann["List-Id"] == "South Carolina Consents <south-carolina.lists.localhost>"
    assert "<strong>Ann</strong>" in ann.get_body(("html",)).get_content()
    broadcast_a.refresh_from_db()
    assert broadcast_a.state == Broadcast.State.SENT
    assert broadcast_a.counts()["sent"] == 2
    assert LogEntry.objects.filter(object_id=str(broadcast_a.pk), change_message="Broadcast sent").exists()


def test_a_permanent_refusal_suppresses_the_address(as_role, people, broadcast_a, smtp_sink, run_worker):
    smtp_sink.refuse("abe@example.net")
    act(as_role("coordinator_a"), broadcast_a, "send")
    run_worker()
    assert [m["To"] for m in smtp_sink.messages] == ["ann@example.net"]
    assert Suppression.objects.get(email="abe@example.net").reason == Suppression.Reason.REFUSED
    assert Recipient.objects.get(email="abe@example.net").state == Recipient.State.BOUNCED


def test_pause_stops_sending_resume_finishes_cancel_stops_for_good(
    as_role, people, broadcast_a, smtp_sink, run_worker, chapter_a
):
    client = as_role("coordinator_a")
    act(client, broadcast_a, "send")
    act(client, broadcast_a, "pause")
    run_worker()
    assert smtp_sink.messages == []
    broadcast_a.refresh_from_db()
    assert broadcast_a.state == Broadcast.State.PAUSED

    act(client, broadcast_a, "resume")
    run_worker()
    assert len(smtp_sink.messages) == 2
    broadcast_a.refresh_from_db()
    assert broadcast_a.state == Broadcast.State.SENT
    act(client, broadcast_a, "resume")  # nothing to resume: a clear message, nothing changes
    assert Broadcast.objects.get(pk=broadcast_a.pk).state == Broadcast.State.SENT

    second = Broadcast.objects.create(subject="Second", body="Again", chapter=chapter_a)
    act(client, second, "send")
    act(client, second, "cancel")
    run_worker()
    assert len(smtp_sink.messages) == 2, "a cancelled broadcast sends nothing more"
    second.refresh_from_db()
    assert second.state == Broadcast.State.CANCELLED


def test_a_test_send_goes_to_the_author_only(as_role, people, broadcast_a, smtp_sink, run_worker, coordinator_a):
    act(as_role("coordinator_a"), broadcast_a, "test")
    run_worker()
    [message] = smtp_sink.messages
    assert message["To"] == coordinator_a.email
    assert message["Subject"].startswith("[Test] Hello")
    assert Recipient.objects.count() == 0
    assert not ProcrastinateJob.objects.filter(task_name="send_broadcast", args__broadcast_id=broadcast_a.pk).exists()
