"""Demo events: a few of what chapters hold, a week or two ahead, and some near Columbia, SC.
Idempotent (by chapter and title)."""

import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from chapters.models import Chapter
from events.calls import standing_call
from events.models import RSVP, Event
from members.models import Member, User

K = Event.Kind
# (chapter slug or None for national, title, kind, days ahead, local time, zone, hours, place, capacity, members only)
DEMO_EVENTS = [
    ("south-carolina", "Tabling at the Soda City Market", K.TABLING, 6, "09:00", "America/New_York", 3,
     "1500 Main St, Columbia, SC 29201", 12, False),
    ("south-carolina", "Chapter planning meeting", K.MEETING, 9, "18:30", "America/New_York", 2,
     "Richland Library, 1431 Assembly St, Columbia, SC", 25, True),
    ("indiana", "Town hall: would you mind if California left?", K.TOWN_HALL, 12, "19:00",
     "America/Indiana/Indianapolis", 2, "Central Library auditorium, 40 E St Clair St, Indianapolis, IN", 150, False),
    (None, "New chapters' onboarding session", K.CALL, 4, "20:00", "America/Chicago", 1,
     "https://meet.example.org/onboarding", None, False),
]  # fmt: skip


@transaction.atomic
def load_demo_events() -> None:
    standing_call(None)  # the national weekly call, from the settings on a fresh database
    for chapter in Chapter.objects.exclude(call_weekday=None):
        standing_call(chapter)
    today = timezone.localdate()
    for slug, title, kind, days, at, zone, hours, place, capacity, members_only in DEMO_EVENTS:
        chapter = Chapter.objects.get(slug=slug) if slug else None
        if Event.objects.filter(chapter=chapter, title=title).exists():
            continue
        hour, minute = (int(part) for part in at.split(":"))
        day = today + datetime.timedelta(days=days)
        start = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
        online = place.startswith("https://")
        event = Event.objects.create(
            chapter=chapter, title=title, kind=kind, time_zone=zone, starts_at=start,
            ends_at=start + datetime.timedelta(hours=hours), online=online, online_link=place if online else "",
            address="" if online else place, capacity=capacity,
            visibility=Event.Visibility.MEMBERS if members_only else Event.Visibility.PUBLIC,
            description=f"{title}. Bring a friend.",
        )  # fmt: skip
        event.materialise()


# title, kind, days ahead, hour, ZIP (None: online), address
NEARBY_EVENTS = [
    ("Columbia chapter meeting", Event.Kind.MEETING, 5, 18, "29201", "1 Main St, Columbia, SC"),
    ("Tabling at the Charleston farmers market", Event.Kind.TABLING, 10, 9, "29401", "Marion Square, Charleston, SC"),
    ("Greenville town hall", Event.Kind.TOWN_HALL, 20, 19, "29601", "Main Street, Greenville, SC"),
    ("New members' orientation", Event.Kind.CALL, 3, 20, None, ""),
    ("Columbia meet and greet", Event.Kind.MEETING, -1, 18, "29201", "1 Main St, Columbia, SC"),
]


def load_demo_nearby_events(coordinator_email: str) -> None:
    """A few in South Carolina with ZIP codes, so /events/?zip=29201 shows distances and a map, and one
    held yesterday so the coordinator can try check-in and the attendance dashboard."""
    chapter = Chapter.objects.get(slug="south-carolina")
    host = User.objects.filter(email=coordinator_email).first()
    today = timezone.localdate()
    for title, kind, days, hour, zip_code, address in NEARBY_EVENTS:
        start = datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(hour),
                                          tzinfo=datetime.timezone(datetime.timedelta(hours=-5)))  # fmt: skip
        event, created = Event.objects.get_or_create(
            chapter=chapter, title=title,
            defaults={"kind": kind, "starts_at": start, "ends_at": start + datetime.timedelta(hours=2),
                      "time_zone": "America/New_York", "zip_code_id": zip_code, "address": address,
                      "online": zip_code is None, "online_link": "" if zip_code else "https://meet.example.org/orientation"},
        )  # fmt: skip
        if not created:
            continue
        event.materialise()
        if host is not None:
            event.hosts.add(host)
        if days < 0:  # held yesterday: some came
            occurrence = event.occurrences.get()
            for n, member in enumerate(Member.objects.filter(chapter=chapter).select_related("user")[:6]):
                RSVP.objects.create(occurrence=occurrence, user=member.user, name=member.user.get_full_name(),
                                    email=member.user.email, attended=n % 3 != 2)  # fmt: skip
