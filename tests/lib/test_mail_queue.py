"""Mail leaves through the task queue: stored with the change that causes it, delivered by a worker.

Every test here goes through the real path: the app's EMAIL_BACKEND queues a job in PostgreSQL, a
real procrastinate worker takes it and speaks SMTP to aiosmtpd on loopback.
"""

import os
import signal
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from lib.jobs import retry_stalled_jobs
from members.models import User
from tests.factories import confirmation_path, join_form


def jobs(status: str) -> int:
    return ProcrastinateJob.objects.filter(task_name="deliver_mail", status=status).count()


def wait_for_retry() -> None:
    """The first retry is due two seconds after the failure (lib.mail_queue.CappedBackoff)."""
    job = ProcrastinateJob.objects.get(task_name="deliver_mail", status="todo")
    assert job.attempts == 1
    time.sleep(2.2)


def test_a_signup_made_while_smtp_is_down_is_answered_and_its_mail_leaves_when_smtp_is_back(
    client, smtp_sink, run_worker
):
    smtp_sink.stop()
    response = client.post("/join/", join_form(email="outage@example.net"))
    assert response.status_code == 302, "the signup is answered normally"
    assert User.objects.filter(email="outage@example.net").exists()
    assert jobs("todo") == 1, "the confirmation mail is stored as a job"

    run_worker()  # the server refuses the connection: the job fails and waits for its retry
    assert smtp_sink.messages == []
    wait_for_retry()

    smtp_sink.start()
    run_worker()
    [message] = smtp_sink.to("outage@example.net")
    assert jobs("succeeded") == 1
    # The link in the delivered mail confirms the address.
    body = message.get_body(("plain",)).get_content()
    assert client.post(confirmation_path(body)).status_code == 302
    assert User.objects.get(email="outage@example.net").emailaddress_set.get().verified


def mail_then_fail() -> None:
    with transaction.atomic():
        send_mail("Welcome", "Hello", None, ["rolled-back@example.net"])
        raise RuntimeError("the change that caused the mail failed")


def test_mail_sent_in_a_transaction_that_rolls_back_is_never_queued(smtp_sink, run_worker):
    with pytest.raises(RuntimeError):
        mail_then_fail()
    send_mail("Welcome", "Hello", None, ["committed@example.net"])
    run_worker()
    assert [m["To"] for m in smtp_sink.messages] == ["committed@example.net"]


def test_a_queued_message_arrives_whole(smtp_sink, run_worker):
    message = EmailMultiAlternatives(
        "Your RSVP", "See you there.", "Coalition <events@example.org>", ["guest@example.net"],
        cc=["host@example.net"], reply_to=["host@example.net"], headers={"List-Id": "<ohio.example.org>"},
    )  # fmt: skip
    message.attach_alternative("<p>See you <b>there</b>.</p>", "text/html")
    message.attach("call.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    message.send()
    run_worker()

    [received] = smtp_sink.messages
    assert received["Subject"] == "Your RSVP"
    assert received["Reply-To"] == "host@example.net"
    assert received["List-Id"] == "<ohio.example.org>"
    assert received.get_body(("html",)).get_content().strip() == "<p>See you <b>there</b>.</p>"
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "call.ics"
    assert attachment.get_content().startswith("BEGIN:VCALENDAR")
    assert sorted(smtp_sink.envelopes[0]) == ["guest@example.net", "host@example.net"]


def test_a_permanent_refusal_is_not_retried(smtp_sink, run_worker):
    smtp_sink.refuse("gone@example.net")
    send_mail("Hello", "Hello", None, ["gone@example.net"])
    run_worker()
    assert jobs("failed") == 1, "a 550 is final: no retry"
    assert jobs("todo") == 0
    assert smtp_sink.messages == []


def test_a_temporary_refusal_is_retried(smtp_sink, run_worker):
    smtp_sink.refuse("busy@example.net", temporarily=True)
    send_mail("Hello", "Hello", None, ["busy@example.net"])
    run_worker()
    assert smtp_sink.messages == []
    wait_for_retry()
    smtp_sink.accept_all()
    run_worker()
    assert len(smtp_sink.to("busy@example.net")) == 1


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_once(smtp_sink, run_worker, settings):
    """SIGKILL a real worker process while the SMTP server holds its delivery; another worker
    finds the dead worker's job by its stopped heartbeat and delivers it, once."""
    settings.TASK_WORKER_DEAD_AFTER = 1
    smtp_sink.hold("held@example.net")
    send_mail("Hello", "Hello", None, ["held@example.net"])
    worker = start_worker_process(smtp_sink.port)
    try:
        wait_until(lambda: jobs("doing") == 1, "the worker never took the job")
        time.sleep(0.5)  # well inside the SMTP conversation: the server holds the recipient
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    smtp_sink.release()
    assert jobs("doing") == 1, "killed mid-delivery: the job is still the dead worker's"
    assert smtp_sink.messages == []

    time.sleep(1.5)  # the dead worker's last heartbeat is now older than TASK_WORKER_DEAD_AFTER
    # The periodic job, unless the killed worker already queued this minute's.
    if not ProcrastinateJob.objects.filter(task_name=retry_stalled_jobs.name, status="todo").exists():
        retry_stalled_jobs.defer(timestamp=0)
    run_worker()
    assert len(smtp_sink.to("held@example.net")) == 1
    assert jobs("succeeded") == 1


def start_worker_process(smtp_port: int) -> subprocess.Popen:
    """`manage.py procrastinate worker` as production runs it, on the test database."""
    db = connection.settings_dict
    url = f"postgres://{quote(db['USER'])}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ, "DATABASE_URL": url, "COALITION_TESTING": "1", "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port), "EMAIL_USE_TLS": "false",
        "MAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    }  # fmt: skip
    command = [sys.executable, "manage.py", "procrastinate", "worker", "--queues", "mail"]
    return subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL)


def wait_until(condition, message: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
