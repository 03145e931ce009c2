"""Event attendance per chapter, for its coordinators: over the last WINDOW_DAYS, the RSVPs to
dates already held, how many came (the attendance rate is of those who RSVP'd, walk-ins apart),
and the walk-ins; and the people: regulars (attended the chapter's events three times or more)
and first-timers (whose first attendance fell in the window). A person is an email address, so
a visitor who later joins is still one person.

Three queries whatever the number of chapters or people: the figures are counted in PostgreSQL,
grouped by chapter, never per person in Python.
"""

import dataclasses
import datetime

from django.db import connection
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Lower
from django.utils import timezone

from chapters.models import Chapter
from events.models import RSVP

WINDOW_DAYS = 90
REGULAR_TIMES = 3


@dataclasses.dataclass
class Row:
    name: str
    rsvps: int = 0
    came: int = 0  # of those who RSVP'd
    walk_ins: int = 0
    regulars: int = 0
    first_timers: int = 0

    @property
    def attended(self) -> int:
        return self.came + self.walk_ins

    @property
    def rate(self) -> int | None:
        """Percent of the RSVPs who came; None before any date with RSVPs was held."""
        return round(100 * self.came / self.rsvps) if self.rsvps else None


def held_rsvps(chapter_ids: list[int], national: bool, now: datetime.datetime):
    where = Q(occurrence__event__chapter__in=chapter_ids)
    if national:
        where |= Q(occurrence__event__chapter__isnull=True)
    return RSVP.objects.filter(where, occurrence__starts_at__lte=now, occurrence__cancelled=False)


def figures(user, now: datetime.datetime | None = None) -> list[Row]:
    now = now or timezone.now()
    since = now - datetime.timedelta(days=WINDOW_DAYS)
    national = user.is_national_coordinator
    chapters = dict(Chapter.objects.visible_to(user).order_by("name").values_list("pk", "name"))
    rows = {pk: Row(name) for pk, name in chapters.items()}
    if national:
        rows[None] = Row("National events")
    held = held_rsvps(list(chapters), national, now).annotate(chapter=F("occurrence__event__chapter"))
    counts = (
        held.filter(occurrence__starts_at__gte=since)
        .values("chapter")
        .annotate(
            rsvps=Count("pk", filter=Q(walk_in=False, status=RSVP.Status.GOING)),
            came=Count("pk", filter=Q(walk_in=False, attended=True)),
            walk_ins=Count("pk", filter=Q(walk_in=True, attended=True)),
        )
        .order_by()
    )
    for row in counts:
        found = rows[row["chapter"]]
        found.rsvps, found.came, found.walk_ins = row["rsvps"], row["came"], row["walk_ins"]
    people = (
        held.filter(attended=True)
        .annotate(person=Lower("email"))
        .values("chapter", "person")
        .annotate(times=Count("pk"), first=Min("occurrence__starts_at"))
        .order_by()
    )
    sql, params = people.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT chapter, COUNT(*) FILTER (WHERE times >= %s), COUNT(*) FILTER (WHERE first >= %s) "
            f"FROM ({sql}) AS people GROUP BY chapter",
            [REGULAR_TIMES, since, *params],
        )
        for chapter, regulars, first_timers in cursor.fetchall():
            rows[chapter].regulars, rows[chapter].first_timers = regulars, first_timers
    return list(rows.values())
