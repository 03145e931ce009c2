"""What people do with events, as one function per workflow: RSVP, confirm, cancel, the
waitlist, reminders, and the mails a change, a cancellation or a decided proposal sends.

Places are counted per occurrence. Every function that gives or frees a place first locks
that occurrence's row (`select_for_update`), so two RSVPs at the same moment are counted
one after the other and no place is given twice. Mail is just sent: the queued email
backend delivers it after the transaction commits, and not at all if it rolls back.
"""

import datetime

import icalendar
from django.contrib.postgres.aggregates import ArrayAgg
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from events.models import MAX_REMINDER_MINUTES, RSVP, Event, Occurrence, ReminderSent
from lib import audit, tokens
from lib.mail import render_mail_template, send_mail_template
from lib.urls import absolute_url
from lib.validators import as_one_line

PLACE_FIELDS = ("online", "address", "online_link")
TIME_FIELDS = ("starts_at", "ends_at", "time_zone", "recurrence", "repeat_until")


def cancel_link(rsvp: RSVP) -> str:
    return absolute_url(reverse("events:rsvp-cancel", args=[tokens.make_token("rsvp-cancel", rsvp.pk)]))


def confirm_link(rsvp: RSVP) -> str:
    token = tokens.make_token("rsvp-confirm", rsvp.pk, state=rsvp.status)
    return absolute_url(reverse("events:rsvp-confirm", args=[token]))


def locked(occurrence: Occurrence) -> Occurrence:
    """The occurrence, its row locked until the transaction ends: places are counted one request at a time."""
    return Occurrence.objects.select_for_update(of=("self",)).select_related("event").get(pk=occurrence.pk)


def places_left(occurrence: Occurrence) -> int | None:
    """None when the event has no capacity."""
    capacity = occurrence.event.capacity
    return None if capacity is None else max(0, capacity - occurrence.rsvps.going().count())


def has_place(occurrence: Occurrence) -> bool:
    left = places_left(occurrence)
    return left is None or left > 0


# Calendar ---------------------------------------------------------------------


def occurrence_ical(occurrence: Occurrence, *, with_place: bool) -> bytes:
    """One date as a calendar file; the place (link or private address) only for people who RSVP'd."""
    event = occurrence.event
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Coalition of the States//Events//EN")
    calendar.add("version", "2.0")
    entry = icalendar.Event()
    entry.add("uid", f"occurrence-{occurrence.pk}@coalition")
    entry.add("summary", icalendar.vText(as_one_line(event.title)))
    entry.add("dtstamp", timezone.now())
    entry.add("dtstart", occurrence.starts_at.astimezone(event.zone))
    entry.add("dtend", occurrence.ends_at.astimezone(event.zone))
    entry.add("url", absolute_url(event.get_absolute_url()))
    if occurrence.cancelled or event.status == Event.Status.CANCELLED:
        entry.add("status", "CANCELLED")
    if with_place or not event.place_is_private:
        entry.add("location", as_one_line(event.online_link if event.online else event.address))
    entry.add("description", event.description)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


# Mail -------------------------------------------------------------------------


def mail_rsvp(rsvp: RSVP, template: str, *, attach_ics: bool = False, **context) -> None:
    """A mail to one RSVP: it shows the place (they RSVP'd) and the link to cancel."""
    occurrence = rsvp.occurrence
    context = {
        "rsvp": rsvp, "occurrence": occurrence, "event": occurrence.event, "cancel_url": cancel_link(rsvp),
        "event_url": absolute_url(occurrence.event.get_absolute_url()), **context,
    }  # fmt: skip
    message = render_mail_template(f"emails/{template}", [rsvp.email], context)
    if attach_ics:
        message.attach("event.ics", occurrence_ical(occurrence, with_place=True), "text/calendar")
    message.send()


def mail_status(rsvp: RSVP) -> None:
    if rsvp.status == RSVP.Status.GOING:
        mail_rsvp(rsvp, "event_rsvp_going", attach_ics=True)
    elif rsvp.status == RSVP.Status.WAITLISTED:
        mail_rsvp(rsvp, "event_rsvp_waitlisted")
    elif rsvp.status == RSVP.Status.PENDING:
        mail_rsvp(rsvp, "event_rsvp_confirm", confirm_url=confirm_link(rsvp))


# RSVPs ------------------------------------------------------------------------


def take_place(rsvp: RSVP, occurrence: Occurrence) -> None:
    """Going if a place is free, else at the end of the waitlist. The occurrence must be locked."""
    rsvp.status = RSVP.Status.GOING if has_place(occurrence) else RSVP.Status.WAITLISTED
    rsvp.created_at = timezone.now()
    rsvp.cancelled_at = None


@transaction.atomic
def rsvp_member(*, occurrence: Occurrence, user) -> RSVP:
    """One tap: going, or waitlisted when full. Saying yes twice changes nothing."""
    occurrence = locked(occurrence)
    rsvp = occurrence.rsvps.filter(Q(user=user) | Q(email__iexact=user.email)).first()
    if rsvp is not None and rsvp.status in (RSVP.Status.GOING, RSVP.Status.WAITLISTED):
        return rsvp
    rsvp = rsvp or RSVP(occurrence=occurrence)
    rsvp.user, rsvp.email, rsvp.name = user, user.email, user.get_full_name()
    rsvp.confirmed_at = timezone.now()
    take_place(rsvp, occurrence)
    rsvp.save()
    mail_status(rsvp)
    return rsvp


@transaction.atomic
def rsvp_visitor(*, occurrence: Occurrence, name: str, email: str, zip_code: str, phone: str = "") -> RSVP:
    """A visitor's RSVP waits for them to confirm their address (it holds no place until then).

    Whatever the address's history, the page says the same ("check your email") and one mail
    goes out: the confirmation link, or their standing if they had already confirmed.
    """
    occurrence = locked(occurrence)
    rsvp = occurrence.rsvps.filter(email__iexact=email).first()
    if rsvp is None or rsvp.status == RSVP.Status.CANCELLED:
        rsvp = rsvp or RSVP(occurrence=occurrence, email=email)
        rsvp.status, rsvp.cancelled_at = RSVP.Status.PENDING, None
        rsvp.name, rsvp.zip_code, rsvp.phone = name, zip_code, phone
        rsvp.save()
    mail_status(rsvp)
    return rsvp


@transaction.atomic
def confirm_rsvp(*, rsvp: RSVP) -> RSVP:
    """A visitor's address is confirmed: now they take a place, or join the waitlist."""
    occurrence = locked(rsvp.occurrence)
    rsvp = RSVP.objects.select_for_update().get(pk=rsvp.pk)
    if rsvp.status != RSVP.Status.PENDING:
        return rsvp
    rsvp.confirmed_at = timezone.now()
    take_place(rsvp, occurrence)
    rsvp.save()
    mail_status(rsvp)
    return rsvp


@transaction.atomic
def cancel_rsvp(*, rsvp: RSVP) -> RSVP:
    """They cannot come: a freed place goes to the first on the waitlist."""
    occurrence = locked(rsvp.occurrence)
    rsvp = RSVP.objects.select_for_update().get(pk=rsvp.pk)
    if rsvp.status == RSVP.Status.CANCELLED:
        return rsvp
    was_going = rsvp.status == RSVP.Status.GOING
    rsvp.status, rsvp.cancelled_at = RSVP.Status.CANCELLED, timezone.now()
    rsvp.save(update_fields=["status", "cancelled_at"])
    if was_going:
        fill_places(occurrence)
    return rsvp


def fill_places(occurrence: Occurrence) -> list[RSVP]:
    """Give free places to the waitlist, first come first served, and tell each. The occurrence must be locked."""
    left = places_left(occurrence)
    waiting = occurrence.rsvps.waitlisted()
    promoted = list(waiting if left is None else waiting[:left])
    for rsvp in promoted:
        rsvp.status = RSVP.Status.GOING
        rsvp.save(update_fields=["status"])
        mail_rsvp(rsvp, "event_rsvp_promoted", attach_ics=True)
    return promoted


# Reminders --------------------------------------------------------------------


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Mail every reminder now due, once per RSVP and offset; returns how many mails went out.

    An offset is due once its moment (start minus the offset) has passed, if that moment came
    after the RSVP was made (someone who says yes an hour before gets no "tomorrow" mail).
    Offsets that fall due together (a worker that was down) make one mail. One query finds
    the RSVPs with a reminder due; only those are locked and mailed.
    """
    now = now or timezone.now()
    candidates = (
        RSVP.objects.going()
        .filter(
            occurrence__cancelled=False,
            occurrence__event__status=Event.Status.SCHEDULED,
            occurrence__starts_at__gt=now,
            occurrence__starts_at__lte=now + datetime.timedelta(minutes=MAX_REMINDER_MINUTES),
        )
        .annotate(sent=ArrayAgg("reminders_sent__minutes_before", filter=Q(reminders_sent__isnull=False), default=[]))
        .values_list("pk", "occurrence__starts_at", "created_at", "occurrence__event__reminder_minutes", "sent")
    )
    sent = 0
    for pk, start, created_at, offsets, done in candidates:
        if due_offsets(start, created_at, offsets, done, now):
            sent += remind(pk, now)
    return sent


def due_offsets(start, created_at, offsets: list[int], done, now) -> list[int]:
    return [m for m in offsets if m not in done and created_at < start - datetime.timedelta(minutes=m) <= now]


@transaction.atomic
def remind(rsvp_pk: int, now: datetime.datetime) -> int:
    # The RSVP's row is locked so that two workers never both decide the same reminder is unsent.
    rsvp = RSVP.objects.select_for_update(of=("self",)).select_related("occurrence__event").get(pk=rsvp_pk)
    if rsvp.status != RSVP.Status.GOING:
        return 0
    start = rsvp.occurrence.starts_at
    done = set(rsvp.reminders_sent.values_list("minutes_before", flat=True))
    due = due_offsets(start, rsvp.created_at, rsvp.occurrence.event.reminder_minutes, done, now)
    if not due:
        return 0
    ReminderSent.objects.bulk_create([ReminderSent(rsvp=rsvp, minutes_before=minutes, sent_at=now) for minutes in due])
    mail_rsvp(rsvp, "event_reminder", starts_in=start - now)
    return 1


# Changes ----------------------------------------------------------------------


def snapshot(event: Event) -> dict:
    """What the change mails compare: read before an edit is saved."""
    return {field: getattr(event, field) for field in (*TIME_FIELDS, *PLACE_FIELDS, "status", "capacity")}


def upcoming_rsvps(event: Event):
    return (
        RSVP.objects.active()
        .filter(occurrence__event=event, occurrence__ends_at__gt=timezone.now())
        .select_related("occurrence__event")
    )


def reschedule(event: Event) -> None:
    """Bring the upcoming dates in line with the event's time: a one-off moves with its RSVPs; a weekly
    event keeps the dates still on its schedule (at the new time), calls off those with RSVPs that
    are not, drops the empty ones, and makes the new ones."""
    upcoming = list(event.occurrences.filter(ends_at__gt=timezone.now()))
    if event.recurrence != Event.Recurrence.WEEKLY:
        for occurrence in upcoming[:1]:
            occurrence.date = event.starts_at.astimezone(event.zone).date()
            occurrence.starts_at, occurrence.ends_at = event.starts_at, event.ends_at
            occurrence.save()
    else:
        horizon = max([o.date for o in upcoming] + [timezone.now().date()]) + datetime.timedelta(weeks=1)
        on_schedule = set(event.dates(horizon))
        for occurrence in upcoming:
            if occurrence.date in on_schedule:
                occurrence.starts_at = event.local_start(occurrence.date)
                occurrence.ends_at = occurrence.starts_at + event.duration
                occurrence.save()
            elif occurrence.rsvps.exists():
                occurrence.cancelled = True
                occurrence.save()
            else:
                occurrence.delete()
    event.materialise()


@transaction.atomic
def apply_changes(*, event: Event, before: dict) -> None:
    """After an edit is saved: keep the dates in step, fill new places, and mail whom it concerns."""
    changed = {field for field, value in before.items() if getattr(event, field) != value}
    status_was = before["status"]
    if status_was == Event.Status.PROPOSED and event.status == Event.Status.SCHEDULED:
        event.materialise()
        mail_proposer(event, "event_proposal_approved")
        return
    if status_was == Event.Status.PROPOSED and event.status == Event.Status.DECLINED:
        mail_proposer(event, "event_proposal_declined")
        return
    if status_was != Event.Status.SCHEDULED:
        return
    if event.status == Event.Status.CANCELLED:
        for rsvp in upcoming_rsvps(event):
            mail_rsvp(rsvp, "event_cancelled")
        return
    if changed & set(TIME_FIELDS):
        reschedule(event)
    if "capacity" in changed:
        for occurrence in event.occurrences.filter(ends_at__gt=timezone.now(), cancelled=False):
            fill_places(locked(occurrence))
    if changed & set(TIME_FIELDS + PLACE_FIELDS):
        for rsvp in upcoming_rsvps(event):
            mail_rsvp(rsvp, "event_changed", time_changed=bool(changed & set(TIME_FIELDS)))


def still_coming(event: Event):
    """Who would hear of the event's deletion: a cancelled event's people were told; a proposal has none."""
    return upcoming_rsvps(event) if event.status == Event.Status.SCHEDULED else RSVP.objects.none()


def tell_of_deletion(event: Event) -> int:
    """An event deleted in the admin: whoever was still coming is told it is cancelled, as when it is
    cancelled, with a link to the other events (its own page goes with it). Returns how many were told."""
    others = absolute_url(reverse("events:event-list"))
    coming = list(still_coming(event))
    for rsvp in coming:
        mail_rsvp(rsvp, "event_cancelled", event_url=others)
    return len(coming)


# Proposals --------------------------------------------------------------------


def mail_proposer(event: Event, template: str) -> None:
    if event.proposed_by is None:
        return
    url = absolute_url(event.get_absolute_url()) if event.status == Event.Status.SCHEDULED else ""
    send_mail_template(f"emails/{template}", [event.proposed_by.email], {"event": event, "event_url": url})


@transaction.atomic
def propose_event(*, user, event: Event) -> Event:
    """A member's proposal for their chapter, for its coordinators to approve or decline in the admin."""
    event.status, event.proposed_by = Event.Status.PROPOSED, user
    event.chapter = user.member.chapter
    event.save()
    audit.record(user, event, "Proposed on the site.", audit.ADDITION)
    return event
