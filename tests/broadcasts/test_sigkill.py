"""A worker killed with SIGKILL mid-broadcast, then another: every recipient gets exactly one message.

Real processes throughout: `manage.py procrastinate worker` on the test database, aiosmtpd on
loopback (tests/smtp_sink/server.py) counting what arrives. The dead worker's job is handed back
to the queue as lib.jobs.retry_stalled_jobs does once a worker's heartbeat is 30 s old; the test
does it at once rather than wait.
"""

import datetime
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from broadcasts.models import Broadcast, Recipient
from broadcasts.tasks import defer_sending
from chapters.models import ZipCode
from members.models import Member, User

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = 30


def database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "localhost", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def start_worker(sink, rate: float) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBUG": "true",
           "MAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
           "EMAIL_PORT": str(sink.port), "EMAIL_USE_TLS": "false", "BROADCAST_RATE": str(rate),
           "BROADCAST_BATCH_SIZE": "7"}  # fmt: skip
    return subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker", "--queues", "broadcasts"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def many_members(chapter, n: int) -> list[Member]:
    """n consenting members of the chapter, written in bulk (as the roster import would, minus its checks)."""
    zip_code = ZipCode.objects.get(code="29201")
    county = chapter.counties.first()
    users = User.objects.bulk_create(
        [User(email=f"crowd{i}@example.net", first_name=f"Crowd{i}", password="!") for i in range(n)]
    )
    return Member.objects.bulk_create([
        Member(user=u, zip_code=zip_code, county=county, state_id=chapter.state_id, chapter=chapter,
               status=Member.Status.ACTIVE, email_updates=True)
        for u in users
    ])  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_broadcast_and_another_send_exactly_one_message_each(smtp_sink, chapter_a, coordinator_a):
    many_members(chapter_a, RECIPIENTS)
    broadcast = Broadcast.objects.create(subject="Hi {{ first_name }}", body="Hello", chapter=chapter_a,
                                         sent_by=coordinator_a, state=Broadcast.State.SENDING,
                                         base_url="http://testserver")  # fmt: skip
    from broadcasts.models import materialise

    assert materialise(broadcast) == RECIPIENTS
    defer_sending(broadcast.pk)

    # The sink holds its answer to one recipient: the worker is killed while it waits for it, after
    # every earlier copy was accepted and marked sent. (A kill in the moment between the server's
    # 250 and the row's commit sends that one copy twice, which no sender over SMTP can rule out;
    # `make bench` kills at a random moment and counts at the sink.)
    held = RECIPIENTS // 3
    smtp_sink.hold(f"crowd{held}@example.net")
    first = start_worker(smtp_sink, rate=1000)
    try:
        wait_until(lambda: Recipient.objects.filter(broadcast=broadcast, state=Recipient.State.SENT).count() == held)
        time.sleep(0.3)  # on to the held recipient, waiting for the sink's answer
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    smtp_sink.release()
    arrived_before = len(smtp_sink.messages)
    assert arrived_before == held, "killed mid-broadcast, with the held copy not accepted"
    assert broadcast.counts()["queued"] > 0, broadcast.counts()

    job = ProcrastinateJob.objects.get(task_name="send_broadcast", status="doing", args__broadcast_id=broadcast.pk)
    app.job_manager.retry_job_by_id(job.id, retry_at=datetime.datetime.now(datetime.UTC))
    second = start_worker(smtp_sink, rate=1000)
    try:
        wait_until(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=60)

    received = Counter(m["To"] for m in smtp_sink.messages)
    assert set(received) == {f"crowd{i}@example.net" for i in range(RECIPIENTS)}
    assert max(received.values()) == 1, [a for a, n in received.items() if n > 1]
    assert Recipient.objects.filter(broadcast=broadcast, state=Recipient.State.SENT).count() == RECIPIENTS
