"""The webhooks' numbers for `make bench` (issue 19), called by scripts/bench.py for each bench database.

    measure_webhooks(env, label, args) -> dict   # from scripts/bench.py, with that database's env
    .venv/bin/python scripts/bench_webhooks.py run   # inside Django: the measurement, printed as JSON

On the largest chapter's people, with two subscriptions to a receiver on loopback (an http.server
in a thread, answering 200 at once):

- queueing: the deliveries and jobs an import of that many people makes (webhooks.events.write),
  per second;
- sending: a real procrastinate worker delivering them, signed, to the receiver, per second, with
  one job at a time and with 8 at once.

Everything it writes (subscriptions, deliveries, jobs) is removed at the end.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PEOPLE = 2_000
PEOPLE_QUICK = 500


def measure_webhooks(env: dict, label: str, args) -> dict:
    """The webhooks' figures on the database `env` points at; `args` as scripts/bench.py parses them."""
    people = PEOPLE_QUICK if args.quick else PEOPLE
    run = subprocess.run([PYTHON, __file__, "run", str(people)], cwd=ROOT, capture_output=True, text=True,
                         env={**env, "WEBHOOKS_ALLOW_LOOPBACK": "true"})  # fmt: skip
    if run.returncode:
        sys.exit(f"[{label}] webhooks bench failed:\n{run.stderr}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"[{label}] webhooks: {result['deliveries']:,} deliveries queued at {result['queued_per_s']:,}/s; "
          f"sent at {result['sent_per_s_1']}/s (1 at a time), {result['sent_per_s_8']}/s (8 at once)",
          flush=True)  # fmt: skip
    return result


def run(people: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    import logging

    from bench_support import national_user
    from django.db import connection, transaction
    from django.db.models import Count
    from procrastinate.contrib.django import app

    from api import representations
    from members.models import Member
    from tests.webhooks.helpers import Receiver
    from webhooks.events import write
    from webhooks.models import Delivery, Subscription

    logging.disable(logging.WARNING)
    receiver = Receiver().start()
    national = national_user()
    largest = Member.objects.exclude(chapter=None).values("chapter").annotate(n=Count("id")).order_by("-n").first()
    subscriptions = [Subscription.objects.create(name=f"bench {n}", chapter_id=largest["chapter"], url=receiver.url,
                                                 created_by=national) for n in range(2)]  # fmt: skip
    members = Member.objects.filter(chapter_id=largest["chapter"]).select_related(*representations.PERSON_RELATED)
    try:
        result = {"deliveries": 0}
        for concurrency in (1, 8):
            started = time.perf_counter()
            with transaction.atomic():
                rows = [(s, representations.person(m), m.pk) for m in members[:people]
                        for s in subscriptions]  # fmt: skip
                deliveries = write("person.created", rows)
            result["queued_per_s"] = round(len(deliveries) / (time.perf_counter() - started))
            result["deliveries"] = len(deliveries)
            started = time.perf_counter()
            worker = app.with_connector(app.connector.get_worker_connector())
            worker.run_worker(queues=["webhooks"], wait=False, concurrency=concurrency, install_signal_handlers=False,
                              listen_notify=False)  # fmt: skip
            sent = Delivery.objects.filter(subscription__in=subscriptions, status="delivered").count()
            result[f"sent_per_s_{concurrency}"] = round(len(deliveries) / (time.perf_counter() - started))
            assert sent == len(deliveries), f"only {sent} of {len(deliveries)} delivered"
            Delivery.objects.filter(subscription__in=subscriptions).delete()
        result["receiver_requests"] = len(receiver.requests)
    finally:
        Subscription.objects.filter(pk__in=[s.pk for s in subscriptions]).delete()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'deliver_webhook'")
        receiver.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    if sys.argv[1:2] == ["run"]:
        run(int(sys.argv[2]))
