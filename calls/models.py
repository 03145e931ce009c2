"""Weekly conference calls: the national call and any chapter's own.

A call is a weekday and a wall-clock time in its own time zone; its next occurrence
is computed in that zone, so it stays at 7:30 pm Central across daylight-saving
changes while moving by an hour in UTC.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db import models
from django.utils import timezone

from lib.validators import as_one_line

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


def ical_text(value: str) -> icalendar.vText:
    """One line of calendar text, whatever the stored value holds.

    icalendar escapes line breaks only in values typed as text (X-WR-CALNAME is not known
    to it, so it is passed through and the feed fails). RFC 5545 allows no other control
    character: a title that predates the validators loses them rather than break the feed.
    """
    return icalendar.vText(as_one_line(value))


@dataclass(frozen=True)
class WeeklyCall:
    key: str  # "national" or a chapter's slug
    title: str
    weekday: int  # 0 = Monday
    time: datetime.time
    timezone: str
    meeting_link: str = ""
    duration: datetime.timedelta = datetime.timedelta(hours=1)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

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
        after = after or timezone.now()
        local_today = after.astimezone(self.zone).date()
        for days_ahead in range(0, 15):
            day = local_today + datetime.timedelta(days=days_ahead)
            if day.weekday() != self.weekday:
                continue
            start = datetime.datetime.combine(day, self.time, tzinfo=self.zone)
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
        event.add("description", "Log in on the coalition's site to see the dial-in link.")
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


def national_call() -> WeeklyCall:
    hour, minute = (int(part) for part in settings.NATIONAL_CALL_TIME.split(":"))
    return WeeklyCall(
        key="national",
        title="National coordinators' weekly call",
        weekday=settings.NATIONAL_CALL_WEEKDAY,
        time=datetime.time(hour, minute),
        timezone=settings.NATIONAL_CALL_TIMEZONE,
        meeting_link=settings.NATIONAL_CALL_LINK,
    )


def chapter_call(chapter) -> WeeklyCall | None:
    """The chapter's own weekly call, if it holds one."""
    if chapter.call_weekday is None or chapter.call_time is None or not chapter.call_timezone:
        return None
    return WeeklyCall(
        key=chapter.slug,
        title=f"{chapter.name} weekly call",
        weekday=chapter.call_weekday,
        time=chapter.call_time,
        timezone=chapter.call_timezone,
        meeting_link=getattr(chapter, "call_link", ""),
    )


class CallAttendance(models.Model):
    """A member saying they will attend one occurrence of a weekly call."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_attendances")
    call = models.CharField(max_length=100, help_text='"national" or the chapter\'s slug.')
    date = models.DateField(help_text="The date of the occurrence, in the call's own time zone.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "call", "date"], name="call_attendance_once")]
        indexes = [models.Index(fields=["call", "date"], name="call_attendance_count_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.call} on {self.date}"
