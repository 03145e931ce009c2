"""Demo events (idempotent): a few in South Carolina with ZIP codes, so /events/?zip=29201 shows
distances and a map, and one held yesterday so the coordinator can try check-in and the
attendance dashboard."""

import datetime

from django.utils import timezone

from chapters.models import Chapter
from events.models import RSVP, Event
from members.models import Member, User

# title, kind, days ahead, hour, ZIP (None: online), address
EVENTS = [
    ("Columbia chapter meeting", Event.Kind.MEETING, 5, 18, "29201", "1 Main St, Columbia, SC"),
    ("Tabling at the Charleston farmers market", Event.Kind.TABLING, 10, 9, "29401", "Marion Square, Charleston, SC"),
    ("Greenville town hall", Event.Kind.TOWN_HALL, 20, 19, "29601", "Main Street, Greenville, SC"),
    ("New members' orientation", Event.Kind.CALL, 3, 20, None, ""),
    ("Columbia meet and greet", Event.Kind.MEETING, -1, 18, "29201", "1 Main St, Columbia, SC"),
]


def load_demo_events(coordinator_email: str) -> None:
    chapter = Chapter.objects.get(slug="south-carolina")
    host = User.objects.filter(email=coordinator_email).first()
    today = timezone.localdate()
    for title, kind, days, hour, zip_code, address in EVENTS:
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
