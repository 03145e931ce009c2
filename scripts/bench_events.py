"""The events scenario of `make bench`: the event list and the nearest-events search stay flat.

The large bench database gets 10,000 upcoming events, the small one 100 (scattered over the
country's ZIP codes, a tenth online, a tenth members-only), and both pages are measured for a
logged-in member (whose requests skip the visitor page cache, so the queries really run):

    /events/                         the soonest events anywhere
    /events/?zip=Z&radius=100        in person within 100 miles of a ZIP, nearest first
    /events/?zip=Z&radius=250&kind=meeting

`prepare_events()` runs inside Django (from scripts/bench_support.py's `prepare_database`);
`flatness()` runs in the orchestrator (no Django) and compares the two databases' medians.
"""

import datetime
import random

LARGE_EVENTS, SMALL_EVENTS = 10_000, 100
TITLE = "Bench event"
SEARCH_ZIP = "43215"  # Columbus, Ohio: a dense part of the map, so the box holds many events
ENDPOINTS = {
    "events list": "/events/",
    "events near ZIP (100 mi)": f"/events/?zip={SEARCH_ZIP}&radius=100",
    "events near ZIP, meetings": f"/events/?zip={SEARCH_ZIP}&radius=250&kind=meeting",
}
FLAT_RATIO = 1.5
CLUSTER, ONLINE = 60, 25


def wanted_events() -> int:
    from django.db import connection

    return LARGE_EVENTS if str(connection.settings_dict["NAME"]).endswith("_large") else SMALL_EVENTS


def seed_events(count: int) -> int:
    """Create the bench events up to `count` (kept between runs), each with its date; returns how many exist.

    Both databases hold the same full pages: the first CLUSTER events are meetings within 80 miles of
    the searched ZIP and the next ONLINE are online, so each page lists as many rows at 100 events as
    at 10,000, and the comparison is of the queries, not of a page with 3 rows against one with 50.
    The rest are scattered over the country's ZIP codes (a tenth online, a tenth members-only).
    """
    from django.utils import timezone
    from django.utils.text import slugify

    from chapters.models import Chapter, ZipCode
    from events import finding
    from events.models import Event, Occurrence

    have = Event.objects.filter(title__startswith=TITLE).count()
    if have >= count:
        return have
    rng = random.Random(count)
    zips = list(ZipCode.objects.filter(latitude__isnull=False).values_list("code", flat=True))
    centre = ZipCode.objects.get(code=SEARCH_ZIP)
    box = finding.bounding_box(centre.latitude, centre.longitude, 55).children  # within 80 miles
    near = list(ZipCode.objects.filter(**{key.removeprefix("zip_code__"): value for key, value in box})
                .values_list("code", flat=True))  # fmt: skip
    chapters = [None, *Chapter.objects.values_list("pk", flat=True)]
    kinds = [k for k, _ in Event.Kind.choices]
    now = timezone.now().replace(second=0, microsecond=0)
    events = []
    for n in range(have, count):
        start = now + datetime.timedelta(hours=rng.randrange(2, 24 * 60))
        clustered, scattered = n < CLUSTER, n >= CLUSTER + ONLINE
        online = not clustered and (not scattered or rng.random() < 0.1)
        title = f"{TITLE} {n}"
        events.append(
            Event(
                title=title, slug=slugify(title), kind=Event.Kind.MEETING if clustered else rng.choice(kinds),
                chapter_id=rng.choice(chapters), starts_at=start, ends_at=start + datetime.timedelta(hours=2),
                online=online, online_link="https://meet.example.org/bench" if online else "",
                address="" if online else f"{n} Main Street",
                zip_code_id=None if online else rng.choice(near if clustered else zips),
                visibility=Event.Visibility.MEMBERS if scattered and rng.random() < 0.1 else Event.Visibility.PUBLIC,
            )
        )  # fmt: skip
    created = Event.objects.bulk_create(events, batch_size=2000)
    Occurrence.objects.bulk_create(
        [Occurrence(event=e, date=e.starts_at.date(), starts_at=e.starts_at, ends_at=e.ends_at) for e in created],
        batch_size=2000,
    )
    return have + len(created)


def prepare_events() -> tuple[dict[str, tuple[str, str]], dict]:
    """The endpoints to measure (as the member), and what was seeded."""
    from events.models import Event

    seeded = seed_events(wanted_events())
    upcoming = Event.objects.filter(
        title__startswith=TITLE, occurrences__starts_at__gt=datetime.datetime.now(datetime.UTC)
    )
    return {name: (url, "member") for name, url in ENDPOINTS.items()}, {
        "bench_events": seeded,
        "bench_events_upcoming": upcoming.distinct().count(),
    }


def flatness(report: dict) -> list[str]:
    """One line per events endpoint: the large database's median over the small one's, against 1.5×."""
    lines = []
    large, small = report["large"], report["small"]
    for name in ENDPOINTS:
        big, little = large["endpoints"].get(name), small["endpoints"].get(name)
        if not big or not little:
            continue
        ratio = big["median_ms"] / little["median_ms"]
        verdict = "flat" if ratio <= FLAT_RATIO else f"NOT FLAT (over {FLAT_RATIO}×)"
        lines.append(
            f"[events] {name}: {big['median_ms']} ms at {large.get('bench_events', '?'):,} events and "
            f"{large['members']:,} members vs {little['median_ms']} ms at {small.get('bench_events', '?'):,} "
            f"events: {ratio:.2f}× {verdict}; {big['queries']} queries"
        )
    print("\n".join(lines))
    return lines
