"""Finding events: the public upcoming events near a ZIP code, nearest first, and a chapter's own.

Only public, scheduled events are ever listed here (on /events/, the map, the chapter pages and
the chapter feeds), whoever asks: a members-only event's place, or even its ZIP, is not for a
public page, and one answer for everyone keeps the pages cacheable.

The search stays flat however many events there are: a bounding box of the radius on the ZIP
codes' (latitude, longitude) index picks the few ZIP codes in reach, the events at those ZIPs
come by the event's ZIP index, and only those survivors get the exact (haversine) distance.
"""

import dataclasses
import datetime
import math

from django.db.models import F, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt
from django.urls import reverse
from django.utils import timezone

from chapters.models import Chapter, ZipCode
from events.models import Event, Occurrence

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE = 69.0
RADII = (10, 25, 50, 100, 250)
DEFAULT_RADIUS = 100
SHOWN = 50  # events per list: a page a phone can scroll
ONLINE_SHOWN = 20


def public_events() -> QuerySet[Event]:
    return Event.objects.filter(status=Event.Status.SCHEDULED, visibility=Event.Visibility.PUBLIC)


def upcoming_dates(now: datetime.datetime | None = None) -> QuerySet[Occurrence]:
    return Occurrence.objects.filter(ends_at__gt=now or timezone.now(), cancelled=False)


def with_next_date(events: QuerySet[Event], now: datetime.datetime | None = None) -> QuerySet[Event]:
    """Each event with its next date's start (None when it has none ahead)."""
    nxt = upcoming_dates(now).filter(event=OuterRef("pk")).order_by("starts_at")
    return events.annotate(next_start=Subquery(nxt.values("starts_at")[:1]))


def distance_from(latitude: float, longitude: float):
    """The great-circle distance in miles from a point to the event's ZIP centroid (haversine)."""
    lat1, lng1 = math.radians(latitude), math.radians(longitude)
    lat2, lng2 = Radians(F("zip_code__latitude")), Radians(F("zip_code__longitude"))
    half_chord = Power(Sin((lat2 - lat1) / 2), 2) + math.cos(lat1) * Cos(lat2) * Power(Sin((lng2 - lng1) / 2), 2)
    return 2 * EARTH_RADIUS_MILES * ASin(Sqrt(half_chord), output_field=FloatField())


def bounding_box(latitude: float, longitude: float, miles: float) -> Q:
    """The ZIPs within a box around the circle (a cheap index range; the exact distance follows)."""
    dlat = miles / MILES_PER_DEGREE
    dlng = miles / (MILES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return Q(
        zip_code__latitude__range=(latitude - dlat, latitude + dlat),
        zip_code__longitude__range=(longitude - dlng, longitude + dlng),
    )


@dataclasses.dataclass
class Search:
    zip_code: ZipCode | None = None
    radius: int = DEFAULT_RADIUS
    kind: str = ""
    format: str = ""  # "", "in_person" or "online"

    @property
    def wants_in_person(self) -> bool:
        return self.format in ("", "in_person")

    @property
    def wants_online(self) -> bool:
        return self.format in ("", "online")


def filtered(events: QuerySet[Event], search: Search) -> QuerySet[Event]:
    return events.filter(kind=search.kind) if search.kind else events


def nearest(search: Search, now: datetime.datetime | None = None) -> list[Event]:
    """In-person events within the radius of the ZIP's centre, nearest first (then soonest)."""
    place = search.zip_code
    if place is None or place.latitude is None or not search.wants_in_person:
        return []
    lat, lng = place.latitude, place.longitude
    events = filtered(public_events().filter(online=False), search).filter(bounding_box(lat, lng, search.radius))
    events = with_next_date(events.annotate(distance=distance_from(lat, lng)), now)
    events = events.filter(distance__lte=search.radius, next_start__isnull=False)
    events = events.select_related("chapter", "zip_code").order_by("distance", "next_start", "pk")
    return labelled(list(events[:SHOWN]))


def soonest(events: QuerySet[Event], limit: int, now: datetime.datetime | None = None) -> list[Event]:
    """The events with the soonest next dates, walking the dates in order (the start index) rather
    than finding every event's next date and sorting them all."""
    window = (
        upcoming_dates(now)
        .filter(event__in=events)
        .order_by("starts_at", "pk")
        .values_list("event_id", "starts_at")[: limit * 10]
    )
    first: dict[int, datetime.datetime] = {}
    for event_id, starts_at in window:
        first.setdefault(event_id, starts_at)
    chosen = list(first)[:limit]
    found = {e.pk: e for e in Event.objects.filter(pk__in=chosen).select_related("chapter", "zip_code")}
    for pk in chosen:
        found[pk].next_start = first[pk]
    return labelled([found[pk] for pk in chosen])


def online(search: Search, now: datetime.datetime | None = None) -> list[Event]:
    if not search.wants_online:
        return []
    return soonest(filtered(public_events().filter(online=True), search), ONLINE_SHOWN, now)


def everywhere(search: Search, now: datetime.datetime | None = None) -> list[Event]:
    """Without a ZIP: the soonest events of the format asked for."""
    events = filtered(public_events(), search)
    if search.format == "in_person":
        events = events.filter(online=False)
    elif search.format == "online":
        events = events.filter(online=True)
    return soonest(events, SHOWN, now)


def chapter_upcoming(chapter: Chapter, limit: int = 10, now: datetime.datetime | None = None) -> list[Event]:
    """A chapter's public events, soonest first: for its page."""
    return soonest(public_events().filter(chapter=chapter), limit, now)


def labelled(events: list[Event]) -> list[Event]:
    """Each row's text made once in Python: a list is up to 50 rows, and template filters per row
    (time zones, number formats, URL reversing) would be most of the page's time."""
    prefix = reverse("events:event-list")
    for event in events:
        start = event.next_start.astimezone(event.zone)
        event.start_iso = event.next_start.isoformat()
        event.when = f"{start:%a, %b} {start.day}, {start.hour % 12 or 12}:{start:%M} {start:%p} {start.tzname()}"
        event.url = f"{prefix}{event.pk}/"
        place = event.zip_code
        where = "Online" if event.online else (f"{place.city}, {place.state_id}" if place else "")
        chapter = event.chapter.name if event.chapter else ""
        event.facts = " · ".join(part for part in (event.get_kind_display(), chapter, where) if part)
        event.miles = f"{event.distance:.1f}" if getattr(event, "distance", None) is not None else ""
    return events


# The map ----------------------------------------------------------------------

MAP_SIZE = 320  # the SVG's width and height; the searched ZIP is at the centre


@dataclasses.dataclass
class Pin:
    number: int
    event: Event
    x: float
    y: float


def map_pins(events: list[Event], centre: ZipCode, radius: int) -> list[Pin]:
    """Each event placed around the searched ZIP: east to the right, north up, the radius at the edge.

    A local projection (miles east and north of the centre) is true enough within 250 miles.
    """
    half = MAP_SIZE / 2
    scale = (half - 12) / radius
    pins = []
    for number, event in enumerate(events, start=1):
        east = (
            (event.zip_code.longitude - centre.longitude) * MILES_PER_DEGREE * math.cos(math.radians(centre.latitude))
        )
        north = (event.zip_code.latitude - centre.latitude) * MILES_PER_DEGREE
        pins.append(Pin(number, event, round(half + east * scale, 1), round(half - north * scale, 1)))
    return pins
