"""The weekly calls, as events: the national call and any chapter's own.

A standing call is a weekly `Event` (standing_call=True); the national one has no chapter.
`WeeklyCall` is how the pages, mails and template tags describe one ("Tuesdays at 7:30 pm
Central", the next start, a calendar feed), read from the event. Its next start is computed
in the event's zone, so it stays at 7:30 pm Central across daylight-saving changes while
moving by an hour in UTC.

The calls existed before events did: the national one was set by NATIONAL_CALL_* and a
chapter's by its call_* fields. Those still seed the event when none exists yet (a fresh
database, a chapter that sets its call after events 0002 ran); from then on the event is
the call, edited in the events admin.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone

from chapters.models import Chapter
from events.models import Event
from lib.validators import as_one_line

# Kept in each process's own cache (the "process" cache of settings), never shared.
NATIONAL_CALL_KEY = "national-call"
NATIONAL_CALL_KEPT_SECONDS = 60

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ICAL_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
# What people call the US zones ("7:30 pm Central"); any other zone is shown by its IANA name.
ZONE_NAMES = {
    "America/New_York": "Eastern",
    "America/Chicago": "Central",
    "America/Denver": "Mountain",
    "America/Phoenix": "Arizona",
    "America/Los_Angeles": "Pacific",
    "America/Anchorage": "Alaska",
    "Pacific/Honolulu": "Hawaii",
}
HOUR = datetime.timedelta(hours=1)


def ical_text(value: str) -> icalendar.vText:
    """One line of calendar text, whatever the stored value holds.

    icalendar escapes line breaks only in values typed as text (X-WR-CALNAME is not known
    to it, so it is passed through and the feed fails). RFC 5545 allows no other control
    character: a title that predates the validators loses them rather than break the feed.
    """
    return icalendar.vText(as_one_line(value))


@dataclass(frozen=True)
class WeeklyCall:
    event: Event
    key: str  # "national" or a chapter's slug: the call's address under /calls/

    @property
    def title(self) -> str:
        return self.event.title

    @property
    def timezone(self) -> str:
        return self.event.time_zone

    @property
    def zone(self) -> ZoneInfo:
        return self.event.zone

    @property
    def local_first(self) -> datetime.datetime:
        return self.event.starts_at.astimezone(self.zone)

    @property
    def weekday(self) -> int:
        return self.local_first.weekday()

    @property
    def time(self) -> datetime.time:
        return self.local_first.time()

    @property
    def duration(self) -> datetime.timedelta:
        return self.event.duration

    @property
    def weekday_name(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def when(self) -> str:
        """In words, e.g. "Tuesdays at 7:30 pm Central"."""
        hour = self.time.hour % 12 or 12
        noon = "am" if self.time.hour < 12 else "pm"
        zone = ZONE_NAMES.get(self.timezone, self.timezone)
        return f"{self.weekday_name}s at {hour}:{self.time.minute:02d} {noon} {zone}"

    def next_occurrence(self, after: datetime.datetime | None = None) -> datetime.datetime:
        """The next start after `after` (default: now), as an aware datetime in the call's zone."""
        after = max(after or timezone.now(), self.event.starts_at - datetime.timedelta(seconds=1))
        local_today = after.astimezone(self.zone).date()
        for days_ahead in range(0, 15):
            day = local_today + datetime.timedelta(days=days_ahead)
            if day.weekday() != self.weekday:
                continue
            start = self.event.local_start(day)
            if start > after:
                return start
        raise AssertionError("a weekly call always occurs within two weeks")

    def uid(self) -> str:
        return f"weekly-call-{self.key}@coalition"

    def _event(self, start: datetime.datetime, recurring: bool) -> icalendar.Event:
        event = icalendar.Event()
        event.add("uid", self.uid() if recurring else f"{start:%Y%m%d}-{self.uid()}")
        event.add("summary", ical_text(self.title))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", start)
        event.add("dtend", start + self.duration)
        event.add("description", "RSVP on the coalition's site to get the dial-in link.")
        if recurring:
            event.add("rrule", {"freq": "weekly", "byday": ICAL_DAYS[self.weekday]})
        return event

    def to_ical(self, *, recurring: bool, after: datetime.datetime | None = None) -> bytes:
        """A calendar with this call: the weekly series (a subscription) or only its next occurrence."""
        calendar = icalendar.Calendar()
        calendar.add("prodid", "-//Coalition of the States//Weekly calls//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", ical_text(self.title))
        calendar.add("x-wr-timezone", self.timezone)
        start = self.next_occurrence(after)
        calendar.add_component(self._event(start, recurring))
        calendar.add_missing_timezones()
        return calendar.to_ical()


def first_start(weekday: int, at: datetime.time, zone: str) -> datetime.datetime:
    """This week's (or next week's) start of a call held on `weekday` at `at` in `zone`."""
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    day = today + datetime.timedelta(days=(weekday - today.weekday()) % 7)
    return datetime.datetime.combine(day, at, tzinfo=ZoneInfo(zone))


def seed_standing_call(chapter: Chapter | None) -> Event | None:
    """The standing call made from the old settings (national) or chapter fields; None if they name none."""
    if chapter is None:
        hour, minute = (int(part) for part in settings.NATIONAL_CALL_TIME.split(":"))
        title, zone, link = (
            "National coordinators' weekly call",
            settings.NATIONAL_CALL_TIMEZONE,
            settings.NATIONAL_CALL_LINK,
        )
        start = first_start(settings.NATIONAL_CALL_WEEKDAY, datetime.time(hour, minute), zone)
    elif chapter.call_weekday is not None and chapter.call_time is not None and chapter.call_timezone:
        title, zone, link = f"{chapter.name} weekly call", chapter.call_timezone, ""
        start = first_start(chapter.call_weekday, chapter.call_time, zone)
    else:
        return None
    try:
        with transaction.atomic():
            return Event.objects.create(
                chapter=chapter, title=title, kind=Event.Kind.CALL, time_zone=zone, starts_at=start,
                ends_at=start + HOUR, recurrence=Event.Recurrence.WEEKLY, online=True, online_link=link,
                standing_call=True, call_key=chapter.slug if chapter else "national",
            )  # fmt: skip
    except IntegrityError:  # made at the same moment by another request
        return Event.objects.standing_call(chapter)


def standing_call(chapter: Chapter | None) -> Event | None:
    return Event.objects.standing_call(chapter) or seed_standing_call(chapter)


def as_call(event: Event | None) -> WeeklyCall | None:
    if event is None or event.status != Event.Status.SCHEDULED:
        return None
    return WeeklyCall(event=event, key=event.chapter.slug if event.chapter_id else "national")


def national_call() -> WeeklyCall:
    """The national call, which every page's footer states: read at most once a minute per process.

    A change to it is seen at once by the process that saves it (`forget_national_call`) and
    within NATIONAL_CALL_KEPT_SECONDS by the others.
    """
    event = caches["process"].get_or_set(NATIONAL_CALL_KEY, lambda: standing_call(None), NATIONAL_CALL_KEPT_SECONDS)
    # A cancelled national call still has a time the pages can state; it is what members are asked to.
    return WeeklyCall(event=event, key="national")


def forget_national_call(sender, instance: Event, **kwargs) -> None:
    """Connected to Event's post_save and post_delete (events.apps)."""
    if instance.standing_call and instance.chapter_id is None:
        caches["process"].delete(NATIONAL_CALL_KEY)


def chapter_call(chapter: Chapter) -> WeeklyCall | None:
    """The chapter's own weekly call, if it holds one (a dormant chapter's is not held)."""
    if chapter.status == Chapter.Status.DORMANT:
        return None
    return as_call(standing_call(chapter))


def call_for(chapter: Chapter | None) -> WeeklyCall:
    """The call a member is asked to: their chapter's own weekly call, else the national one."""
    return (chapter_call(chapter) if chapter is not None else None) or national_call()


def all_calls() -> list[WeeklyCall]:
    """The national call and every active chapter's, in one query once each exists."""
    events = {
        e.chapter_id: e
        for e in Event.objects.filter(standing_call=True)
        .select_related("chapter")
        .exclude(chapter__status=Chapter.Status.DORMANT)
    }
    national = events.pop(None, None) or standing_call(None)
    chapters = Chapter.objects.exclude(status=Chapter.Status.DORMANT).exclude(pk__in=list(events))
    for chapter in chapters.exclude(call_weekday=None):
        events[chapter.pk] = seed_standing_call(chapter)
    calls = sorted(filter(None, map(as_call, events.values())), key=lambda call: call.event.chapter.name)
    return [WeeklyCall(event=national, key="national"), *calls]


def call_by_key(key: str) -> WeeklyCall | None:
    """The call a /calls/<key>/ address names: "national", a chapter's slug, or an older key."""
    if key == "national":
        return national_call()
    chapter = Chapter.objects.filter(slug=key).first()
    if chapter is not None:
        return chapter_call(chapter)
    return as_call(Event.objects.filter(call_key=key, standing_call=True).select_related("chapter").first())
