"""The digests' background work: the morning digest (periodic) and instant notices (deferred)."""

import datetime

from procrastinate.contrib.django import app

from digests.digest import send_digests_due, send_instant_notices
from members.models import MembershipEvent


@app.periodic(cron="*/15 * * * *", periodic_id="send_daily_digests")
@app.task(name="send_daily_digests", queue="digests", queueing_lock="send_daily_digests")
def send_daily_digests(timestamp: int) -> None:
    """Every quarter hour: the digests now due (each chapter's morning comes at its own time).

    A run missed while no worker was up is caught up by the next one; what was composed is
    recorded, so a repeated run sends nothing again.
    """
    send_digests_due(datetime.datetime.fromtimestamp(timestamp, datetime.UTC))


@app.task(name="send_instant_notices", queue="digests")
def notify_coordinators(event_id: int) -> None:
    event = MembershipEvent.objects.select_related("member__user", "from_chapter", "to_chapter").filter(pk=event_id)
    for found in event:
        send_instant_notices(event=found)
