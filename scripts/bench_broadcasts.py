"""Broadcasts at scale (issue #16, "Numbers"): materialising, sending, memory, and a SIGKILL mid-broadcast.

    .venv/bin/python scripts/bench_broadcasts.py [--quick]      (or through scripts/bench.py)

On its own database `coalition_bench_broadcasts` (seeded by `manage.py seed_scale`, every member
agreeing to email updates so that the audience is the whole table), against floors measured in
the same run:

- materialising N recipients with broadcasts.models.materialise (one INSERT ... SELECT through
  the segments engine, into the table with its unique constraint and index) vs a bare
  INSERT ... SELECT of the same rows into a table with no index: target >= 25% of its rate;
- sending M messages by a real worker (`manage.py procrastinate worker`) to aiosmtpd on loopback
  (tests/smtp_sink/server.py) vs plain smtplib sending the same messages (the .eml files the sink
  kept) over one connection to another sink: target >= 50% of its rate; the worker's peak RSS,
  sampled every 0.1 s: target < 150 MB;
- SIGKILL: a worker killed (kill -9) mid-broadcast, its job handed back to the queue as
  lib.jobs.retry_stalled_jobs does for a dead worker, another worker started: every recipient
  counted exactly once at the sink.

The orchestrator (`run`) imports no Django; `inner` runs in a Django process on the bench database.
"""

import argparse
import datetime
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SINK = ROOT / "tests" / "smtp_sink" / "server.py"
DATABASE = "coalition_bench_broadcasts"
MATERIALISE_FLOOR, SEND_FLOOR, RSS_LIMIT_MB = 0.25, 0.50, 150


def sizes(quick: bool) -> dict:
    if quick:
        return {"members": 50_000, "sends": 5_000, "killed": 300}
    return {"members": 1_000_000, "sends": 100_000, "killed": 2_000}


# --------------------------------------------------------------------------------------
# The orchestrator: no Django here
# --------------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlparse(url)._replace(path="/" + name).geturl()


def run(server_url: str, quick: bool) -> dict:
    """Seed the bench database if needed, then measure in a Django process; the results as a dict."""
    import psycopg

    size = sizes(quick)
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = with_database(server_url, DATABASE)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "true", "COALITION_TESTING": "0"}
    manage(env, "migrate", "--no-input", "-v", "0")
    with psycopg.connect(url) as conn:
        seeded = conn.execute("SELECT count(*) FROM members_user WHERE password = '!seed-scale'").fetchone()[0]
    if seeded != size["members"]:
        manage(env, "seed_scale", "--members", str(size["members"]), "--endorsements", "10", "--answers", "10",
               "--no-progress", *(["--reset"] if seeded else []))  # fmt: skip
    done = subprocess.run([PYTHON, __file__, "inner", *(["--quick"] if quick else [])], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def report_lines(r: dict) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    m, s, k = r["materialise"], r["send"], r["sigkill"]
    m_ratio, s_ratio = m["rows_per_s"] / m["bare_rows_per_s"], s["messages_per_s"] / s["smtplib_per_s"]
    return [
        f"broadcast materialise {m['rows']:,} recipients: {m['rows_per_s']:,} rows/s vs bare INSERT ... SELECT "
        f"{m['bare_rows_per_s']:,} rows/s: {m_ratio:.2f}× — target ≥ {MATERIALISE_FLOOR} "
        f"{verdict(m_ratio >= MATERIALISE_FLOOR)}",
        f"broadcast send {s['messages']:,} messages by a worker: {s['messages_per_s']:,}/s vs plain smtplib "
        f"{s['smtplib_per_s']:,}/s: {s_ratio:.2f}× — target ≥ {SEND_FLOOR} {verdict(s_ratio >= SEND_FLOOR)}; "
        f"worker peak RSS {s['worker_peak_rss_mb']} MB — target < {RSS_LIMIT_MB} "
        f"{verdict(s['worker_peak_rss_mb'] < RSS_LIMIT_MB)}",
        f"broadcast SIGKILL after {k['before_kill']:,} of {k['recipients']:,}: at the sink {k['received']:,} messages, "
        f"{k['duplicates']} duplicates, {k['missing']} missing — target exactly one each "
        f"{verdict(k['duplicates'] == 0 and k['missing'] == 0)}",
    ]


# --------------------------------------------------------------------------------------
# `inner`: inside Django, on the bench database
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """tests/smtp_sink/server.py in its own process (aiosmtpd may not be imported beside the app)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.port = folder, free_port()
        self.process = subprocess.Popen([sys.executable, "-I", str(SINK), str(self.port), str(folder)],
                                        stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert self.process.stdout.readline().strip() == "ready"

    def count(self) -> int:
        return sum(1 for _ in self.folder.glob("*.eml"))

    def recipients(self) -> Counter:
        return Counter(p.read_text().strip() for p in self.folder.glob("*.rcpt"))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def start_worker(sink: Sink, rate: float, batch: int) -> subprocess.Popen:
    env = {**os.environ, "MAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(sink.port), "EMAIL_USE_TLS": "false",
           "BROADCAST_RATE": str(rate), "BROADCAST_BATCH_SIZE": str(batch)}  # fmt: skip
    return subprocess.Popen([PYTHON, "manage.py", "procrastinate", "worker", "--queues", "broadcasts"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_until(condition, timeout: float, on_tick=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the broadcast did not finish in time")
        if on_tick:
            on_tick()
        time.sleep(0.1)


def new_broadcast(user, limit: int | None = None):
    """A national broadcast to everyone, materialised, `limit` recipients kept, ready to send."""
    from broadcasts.models import Broadcast, Recipient, materialise

    broadcast = Broadcast.objects.create(
        subject="Bench {{ first_name }}", body="Hello **{{ first_name }}** of {{ chapter }}: {{ next_call }}",
        definition={"everyone": True}, sent_by=user, state=Broadcast.State.SENDING, base_url="http://bench.invalid",
    )  # fmt: skip
    materialise(broadcast)
    if limit is not None:
        keep = Recipient.objects.filter(broadcast=broadcast).order_by("pk").values("pk")[:limit]
        Recipient.objects.filter(broadcast=broadcast).exclude(pk__in=keep).delete()
    return broadcast


def measure_materialise(user) -> dict:
    from django.db import connection

    from broadcasts.models import Broadcast, Recipient, materialise
    from members.models import Member

    broadcast = Broadcast.objects.create(subject="m", body="m", definition={"everyone": True}, sent_by=user)
    start = time.perf_counter()
    rows = materialise(broadcast)
    ours = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_bare_recipients")
        cursor.execute("CREATE TABLE bench_bare_recipients (broadcast_id bigint, member_id bigint, email text, "
                       "state text, error text)")  # fmt: skip
        start = time.perf_counter()
        cursor.execute(
            "INSERT INTO bench_bare_recipients SELECT %s, m.id, lower(u.email), 'queued', '' "
            "FROM members_member m JOIN members_user u ON u.id = m.user_id "
            "WHERE m.email_updates AND m.status = ANY(%s)",
            [broadcast.pk, list(Member.COUNTED)],
        )
        bare_rows, bare = cursor.rowcount, time.perf_counter() - start
        cursor.execute("DROP TABLE bench_bare_recipients")
    Recipient.objects.filter(broadcast=broadcast).delete()
    broadcast.delete()
    assert bare_rows == rows, f"the floor wrote {bare_rows} rows, materialise {rows}"
    return {"rows": rows, "rows_per_s": round(rows / ours), "bare_rows_per_s": round(bare_rows / bare)}


def measure_sending(user, count: int, folder: Path) -> dict:
    from django.db.models import Max, Min

    from broadcasts.models import Broadcast
    from broadcasts.tasks import defer_sending

    broadcast = new_broadcast(user, count)
    sink = Sink(folder / "worker")
    defer_sending(broadcast.pk)
    worker, peak = start_worker(sink, rate=1e9, batch=500), [0.0]
    try:
        wait_until(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT, 3600,
                   lambda: peak.append(max(peak.pop(), rss_mb(worker.pid))))  # fmt: skip
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=90)
        sink.stop()
    span = broadcast.recipients.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (span["last"] - span["first"]).total_seconds()
    ours = round((count - 1) / seconds) if seconds else 0
    return {"messages": count, "messages_per_s": ours, "smtplib_per_s": smtplib_rate(folder),
            "worker_peak_rss_mb": round(peak[0], 1)}  # fmt: skip


def smtplib_rate(folder: Path) -> int:
    """The floor: the very messages the worker sent, read back, sent by plain smtplib over one connection."""
    messages = [(p.with_suffix(".rcpt").read_text().split(), p.read_bytes()) for p in sorted(
        (folder / "worker").glob("*.eml"))]  # fmt: skip
    sink = Sink(folder / "floor")
    try:
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for recipients, data in messages:
                smtp.sendmail("updates@localhost", recipients, data)
        elapsed = time.perf_counter() - start
    finally:
        sink.stop()
    return round(len(messages) / elapsed)


def measure_sigkill(user, count: int, folder: Path) -> dict:
    from procrastinate.contrib.django import app
    from procrastinate.contrib.django.models import ProcrastinateJob

    from broadcasts.models import Broadcast
    from broadcasts.tasks import defer_sending

    broadcast = new_broadcast(user, count)
    expected = set(broadcast.recipients.values_list("email", flat=True))
    sink = Sink(folder / "sigkill")
    defer_sending(broadcast.pk)
    first = start_worker(sink, rate=count / 3, batch=25)  # about three seconds of sending
    try:
        wait_until(lambda: sink.count() >= count // 3, 120)
        first.send_signal(signal.SIGKILL)
        first.wait()
        before = sink.count()
        # What retry_stalled_jobs does once the dead worker's heartbeat is 30 s old, without the wait.
        job = ProcrastinateJob.objects.get(task_name="send_broadcast", status="doing", args__broadcast_id=broadcast.pk)
        app.job_manager.retry_job_by_id(job.id, retry_at=datetime.datetime.now(datetime.UTC))
        second = start_worker(sink, rate=1e9, batch=25)
        try:
            wait_until(lambda: Broadcast.objects.get(pk=broadcast.pk).state == Broadcast.State.SENT, 300)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=90)
        received = sink.recipients()
    finally:
        sink.stop()
    return {"recipients": count, "before_kill": before, "received": sum(received.values()),
            "duplicates": sum(n - 1 for n in received.values() if n > 1),
            "missing": len(expected - set(received))}  # fmt: skip


def inner(quick: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    from django.db import connection

    from members.models import User

    size = sizes(quick)
    with connection.cursor() as cursor:  # the bench's audience is the whole table
        cursor.execute("UPDATE members_member SET email_updates = true WHERE NOT email_updates")
        cursor.execute("ANALYZE members_member")
    user = User.objects.filter(email="bench-broadcasts@example.org").first() or User.objects.create_superuser(
        email="bench-broadcasts@example.org", password=None
    )
    with tempfile.TemporaryDirectory() as tmp:
        results = {
            "materialise": measure_materialise(user),
            "send": measure_sending(user, size["sends"], Path(tmp)),
            "sigkill": measure_sigkill(user, size["killed"], Path(tmp)),
        }
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", nargs="?", default="run", choices=["run", "inner"])
    parser.add_argument("--quick", action="store_true", help="50,000 recipients, 5,000 messages, 300 killed.")
    args = parser.parse_args()
    if args.mode == "inner":
        inner(args.quick)
        return
    sys.path.insert(0, str(ROOT))
    from devtools import embedded_db

    settings = embedded_db.start(ROOT / ".data")
    server = f"postgresql://{settings['USER']}@{quote(settings['HOST'], safe='')}/{embedded_db.DATABASE_NAME}"
    result = run(os.environ.get("DATABASE_URL", server), args.quick)
    print(json.dumps(result, indent=2))
    print("\n".join(report_lines(result)))


if __name__ == "__main__":
    main()
