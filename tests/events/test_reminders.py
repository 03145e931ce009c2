"""Reminders: the day before and an hour before (per event), once per RSVP and offset."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from events import rsvps
from events.models import RSVP, Event, ReminderSent
from tests.factories import SC_ZIP, make_event, make_member


def setup_going(chapter, **fields) -> tuple[Event, RSVP]:
    event = make_event(chapter, **fields)
    user = make_member("going@example.org", SC_ZIP).user
    rsvp = rsvps.rsvp_member(occurrence=event.occurrences.get(), user=user)
    return event, rsvp


def test_reminders_go_out_the_day_before_and_an_hour_before_once_each(chapter_a, mailoutbox):
    event, rsvp = setup_going(chapter_a, days_ahead=3)
    start = rsvp.occurrence.starts_at
    mailoutbox.clear()
    assert rsvps.send_due_reminders(start - datetime.timedelta(days=2)) == 0
    assert rsvps.send_due_reminders(start - datetime.timedelta(hours=23)) == 1
    assert rsvps.send_due_reminders(start - datetime.timedelta(hours=22)) == 0  # already sent
    assert rsvps.send_due_reminders(start - datetime.timedelta(minutes=59)) == 1
    assert rsvps.send_due_reminders(start - datetime.timedelta(minutes=30)) == 0
    assert rsvps.send_due_reminders(start + datetime.timedelta(minutes=1)) == 0  # it has begun
    assert [m.subject for m in mailoutbox] == ["[Coalition] Reminder: Tabling at the farmers market"] * 2
    assert set(ReminderSent.objects.values_list("minutes_before", flat=True)) == {1440, 60}
    assert "1 Main St" in mailoutbox[0].body  # the place, and the way out
    assert "/events/rsvp/cancel/" in mailoutbox[0].body


def test_offsets_are_configurable_per_event(chapter_a, mailoutbox):
    event, rsvp = setup_going(chapter_a, reminder_minutes=[30])
    start = rsvp.occurrence.starts_at
    mailoutbox.clear()
    assert rsvps.send_due_reminders(start - datetime.timedelta(minutes=59)) == 0
    assert rsvps.send_due_reminders(start - datetime.timedelta(minutes=29)) == 1


def test_a_late_worker_sends_one_mail_for_the_offsets_it_missed(chapter_a, mailoutbox):
    event, rsvp = setup_going(chapter_a)
    mailoutbox.clear()
    assert rsvps.send_due_reminders(rsvp.occurrence.starts_at - datetime.timedelta(minutes=10)) == 1
    assert len(mailoutbox) == 1
    assert ReminderSent.objects.count() == 2


def test_no_reminder_for_an_offset_that_passed_before_the_rsvp(chapter_a, mailoutbox):
    event = make_event(chapter_a, days_ahead=0)  # RSVP made hours before: no "tomorrow" mail
    later = datetime.timedelta(hours=5)
    event.occurrences.update(starts_at=event.starts_at + later, ends_at=event.ends_at + later)
    user = make_member("late@example.org", SC_ZIP).user
    rsvp = rsvps.rsvp_member(occurrence=event.occurrences.get(), user=user)
    start = rsvp.occurrence.starts_at
    mailoutbox.clear()
    assert rsvps.send_due_reminders(start - datetime.timedelta(hours=2)) == 0
    assert rsvps.send_due_reminders(start - datetime.timedelta(minutes=30)) == 1


def test_no_reminders_to_the_waitlist_cancelled_or_a_cancelled_event(chapter_a, mailoutbox):
    event, rsvp = setup_going(chapter_a, capacity=1)
    waiting = rsvps.rsvp_member(occurrence=rsvp.occurrence, user=make_member("w@example.org", SC_ZIP).user)
    assert waiting.status == RSVP.Status.WAITLISTED
    mailoutbox.clear()
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)
    assert rsvps.send_due_reminders(rsvp.occurrence.starts_at - datetime.timedelta(minutes=30)) == 0
    Event.objects.filter(pk=event.pk).update(status=Event.Status.SCHEDULED)
    rsvps.cancel_rsvp(rsvp=rsvp)  # the waiting one gets the place, and its reminders
    mailoutbox.clear()
    assert rsvps.send_due_reminders(rsvp.occurrence.starts_at - datetime.timedelta(minutes=30)) == 1
    assert [m.to for m in mailoutbox] == [["w@example.org"]]


def test_a_reminder_more_than_a_week_ahead_is_refused_with_a_message(chapter_a):
    event = make_event(chapter_a)
    event.reminder_minutes = [7 * 24 * 60 + 1]
    with pytest.raises(ValidationError) as refused:
        event.full_clean()
    assert "reminder_minutes" in refused.value.message_dict
