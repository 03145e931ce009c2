"""The reminder task through the real queue: a procrastinate worker runs it and the reminder
reaches an SMTP server on loopback, once, however often the task runs."""

import datetime

from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from events import rsvps
from events.tasks import materialise_event_dates, send_event_reminders
from tests.factories import SC_ZIP, make_event, make_member


def test_the_worker_sends_a_due_reminder_once(chapter_a, smtp_sink, run_worker):
    event = make_event(chapter_a, days_ahead=0)
    soon = timezone.now() + datetime.timedelta(minutes=30)
    event.occurrences.update(starts_at=soon, ends_at=soon + datetime.timedelta(hours=1))
    user = make_member("remind-me@example.org", SC_ZIP).user
    # Said yes earlier: the hour-before reminder fell due since.
    rsvp = rsvps.rsvp_member(occurrence=event.occurrences.get(), user=user)
    rsvp.__class__.objects.filter(pk=rsvp.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))
    run_worker()  # its periodic schedule defers the task too
    send_event_reminders.defer(timestamp=60)
    run_worker()
    send_event_reminders.defer(timestamp=120)
    run_worker()

    # What the RSVP brings (the member's welcome mail, sent when they joined, is not counted here).
    subjects = sorted(m["Subject"] for m in smtp_sink.to("remind-me@example.org") if "farmers market" in m["Subject"])
    assert subjects == ["[Coalition] Reminder: Tabling at the farmers market",
                        "[Coalition] You're going: Tabling at the farmers market"]  # fmt: skip
    reminder = next(m for m in smtp_sink.to("remind-me@example.org") if "Reminder" in m["Subject"])
    assert "/events/rsvp/cancel/" in reminder.get_body(("plain",)).get_content()
    assert ProcrastinateJob.objects.filter(task_name="send_event_reminders", status="succeeded").count() >= 2


def test_the_worker_makes_the_weeks_ahead_of_a_weekly_event(chapter_a, run_worker):
    event = make_event(chapter_a, recurrence="weekly")
    event.occurrences.all().delete()
    materialise_event_dates.defer(timestamp=0)
    run_worker()
    assert event.occurrences.count() >= 8
