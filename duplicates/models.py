"""Possible duplicate people: found set-based in PostgreSQL, reviewed and dismissed or merged by coordinators.

The strict rule (one account per email, case-insensitive) is the database's: members' unique
index on lower(email). What it cannot catch (the same person joined online, then came in on a
roster under another address) is suggested here, by three signs, within a set of chapters:

- the same phone number;
- the same name and ZIP code;
- names similar by trigram (pg_trgm's `similarity`, at least SIMILARITY_THRESHOLD) within one
  county, among people who share their first or their last name exactly ("Kathrine Whitfield"
  and "Katherine Whitfield", "Jon Smith" and "John Smith").

`stage_people` copies the chapters' people into a temporary table; every sign is then one hash
join on equal keys (phone; name and ZIP; county and first name; county and last name), and the
trigram similarity is computed only for the pairs such a join yields. No loop over pairs in
Python, no comparison of everyone with everyone. (B-tree indexes on the temporary table were
tried: the planner hashes instead, and building them cost 0.7 s of a 50,000-member scan.)

Why not pg_trgm's `%` through a GiST or GIN trigram index over whole names: measured on a
50,000-member chapter (scripts/bench_duplicates.py), one index probe per person took 0.6 to 4 ms
whatever the index (GiST on county and name, with or without a larger signature, or GIN), 30 to
200 s in all, because common first names make every name share trigrams with thousands of
others. Pairs sharing a first or last name found 3,047 of the 3,048 pairs the index found.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from members.models import Member
from members.roster import RowError

# pg_trgm's similarity of two full names from which they are suggested ("kathrine whitfield" and
# "katherine whitfield": 0.76; "jon smith" and "john smith": 0.62).
SIMILARITY_THRESHOLD = 0.6
SCAN_KEPT_SECONDS = 600
REASON_WEIGHTS = {"phone": 0.9, "name_zip": 0.85}  # similar names: 0.4 + 0.45 × similarity (0.67 to 0.85)

STAGE_PEOPLE = [
    "DROP TABLE IF EXISTS pg_temp.dup_person",
    """
    CREATE TEMP TABLE dup_person ON COMMIT DROP AS
    SELECT m.id, m.county_id, m.zip_code_id AS zip, nullif(m.phone, '') AS phone,
           nullif(lower(btrim(u.first_name)), '') AS first, nullif(lower(btrim(u.last_name)), '') AS last,
           nullif(lower(btrim(btrim(u.first_name) || ' ' || btrim(u.last_name))), '') AS name
    FROM members_member m JOIN members_user u ON u.id = m.user_id
    WHERE m.chapter_id = ANY(%(chapters)s)
    """,
    "ANALYZE dup_person",
    # A big county's people sharing a first name are hundreds of thousands of pairs: hashed in memory.
    "SELECT set_config('work_mem', '64MB', true)",
]

# The pairs of people of one county who share their first or last name (each pair once).
SAME_COUNTY_NAMESAKES = """
    SELECT a.id AS low, b.id AS high, a.name AS a_name, b.name AS b_name
    FROM dup_person a JOIN dup_person b ON b.county_id = a.county_id AND b.first = a.first AND b.id > a.id
    WHERE b.last IS DISTINCT FROM a.last
    UNION ALL
    SELECT a.id, b.id, a.name, b.name
    FROM dup_person a JOIN dup_person b ON b.county_id = a.county_id AND b.last = a.last AND b.id > a.id
"""

PAIRS = f"""
WITH pairs AS (
    SELECT a.id AS low, b.id AS high, 'phone' AS reason, %(phone)s::float AS weight, NULL::float AS similarity
    FROM dup_person a JOIN dup_person b ON b.phone = a.phone AND b.id > a.id
    UNION ALL
    SELECT a.id, b.id, 'name_zip', %(name_zip)s, NULL
    FROM dup_person a JOIN dup_person b ON b.name = a.name AND b.zip = a.zip AND b.id > a.id
    UNION ALL
    SELECT low, high, 'similar_name', 0.4 + 0.45 * s, s
    FROM (SELECT low, high, similarity(a_name, b_name) AS s FROM ({SAME_COUNTY_NAMESAKES}) n) n
    WHERE s >= %(threshold)s
), ranked AS (
    SELECT low, high, least(0.99, max(weight) + 0.05 * (count(*) - 1)) AS confidence,
           array_agg(reason ORDER BY weight DESC) AS reasons, max(similarity) AS similarity
    FROM pairs p
    WHERE %(with_dismissed)s
       OR NOT EXISTS (SELECT 1 FROM duplicates_dismissedpair d WHERE d.low_id = p.low AND d.high_id = p.high)
    GROUP BY low, high
)
SELECT low, high, confidence, reasons, similarity, count(*) OVER () AS total
FROM ranked ORDER BY confidence DESC, low, high LIMIT %(limit)s OFFSET %(offset)s
"""


def stage_people(cursor, chapter_ids: list[int]) -> None:
    """The chapters' people into `dup_person` (dropped at commit), indexed for the trigram join."""
    for sql in STAGE_PEOPLE:
        cursor.execute(sql, {"chapters": list(chapter_ids)})


@dataclass
class Pair:
    low: Member
    high: Member
    confidence: float
    reasons: list[str] = field(default_factory=list)

    @property
    def people(self) -> tuple[Member, Member]:
        return self.low, self.high

    @property
    def percent(self) -> int:
        return round(self.confidence * 100)


def describe(reason: str, a: Member, similarity: float | None) -> str:
    if reason == "phone":
        return f"Same phone number ({a.phone})"
    if reason == "name_zip":
        return f"Same name and ZIP code ({a.zip_code_id})"
    return f"Similar names ({round((similarity or 0) * 100)} % alike) in {a.county}"


def scan(chapter_ids: list[int], *, limit: int | None = None, offset: int = 0, with_dismissed=False) -> list[tuple]:
    """The ranking itself: (low, high, confidence, reasons, similarity, total) rows, surest first."""
    params = {"limit": limit, "offset": offset, "threshold": SIMILARITY_THRESHOLD, "with_dismissed": with_dismissed,
              **REASON_WEIGHTS}  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        stage_people(cursor, chapter_ids)
        cursor.execute(PAIRS, params)
        return cursor.fetchall()


def as_pairs(rows: list[tuple]) -> list[Pair]:
    ids = {pk for row in rows for pk in row[:2]}
    members = Member.objects.select_related("user", "county", "chapter").in_bulk(ids)
    return [
        Pair(members[low], members[high], confidence, [describe(r, members[low], sim) for r in reasons])
        for low, high, confidence, reasons, sim, *_ in rows
    ]


def find_pairs(chapter_ids: list[int], *, limit: int = 50, offset: int = 0) -> tuple[list[Pair], int]:
    """The not-dismissed possible duplicates among the chapters' members, surest first, and how many in all.

    Both people of a pair are members of the given chapters. Three queries whatever the numbers.
    """
    rows = scan(chapter_ids, limit=limit, offset=offset)
    return as_pairs(rows), rows[0][5] if rows else 0


def review_pairs(
    chapter_ids: list[int], *, limit: int, offset: int = 0, rescan: bool = False
) -> tuple[list[Pair], int, datetime.datetime]:
    """A page of the review: (pairs, how many in all, when the chapters were scanned).

    A scan of a 50,000-member chapter takes seconds, and a coordinator turns many pages and
    dismisses pair after pair: the ranking is kept SCAN_KEPT_SECONDS in the shared cache (or until
    `rescan`), and what changed since is applied on reading it. Pairs dismissed since are left
    out, and so is anyone no longer a member of these chapters (merged away, moved, deleted), so
    a kept ranking never shows more than a fresh one would. New people wait for the next scan.
    """
    key = "duplicates-scan:" + ",".join(str(pk) for pk in sorted(set(chapter_ids)))
    kept = None if rescan else cache.get(key)
    if kept is None:
        # Dismissed pairs too: a dismissal undone within the ten minutes shows its pair again.
        kept = {"at": timezone.now(), "rows": [row[:5] for row in scan(chapter_ids, with_dismissed=True)]}
        cache.set(key, kept, SCAN_KEPT_SECONDS)
    rows = kept["rows"]
    ids = {pk for row in rows for pk in row[:2]}
    still = set(Member.objects.filter(pk__in=ids, chapter_id__in=chapter_ids).values_list("pk", flat=True))
    dismissed = set(DismissedPair.objects.filter(low__in=ids).values_list("low_id", "high_id"))
    rows = [row for row in rows if row[0] in still and row[1] in still and (row[0], row[1]) not in dismissed]
    return as_pairs(rows[offset : offset + limit]), len(rows), kept["at"]


ROSTER_MATCHES = """
WITH new_row AS (
    SELECT line, email, zip, county_id, nullif(phone, '') AS phone,
           nullif(lower(btrim(first_name)), '') AS first, nullif(lower(btrim(last_name)), '') AS last,
           nullif(lower(btrim(btrim(coalesce(first_name, '')) || ' ' || btrim(coalesce(last_name, '')))), '') AS name
    FROM import_plan WHERE action = %(create)s
), matches AS (
    SELECT r.line, r.email, d.id, 'phone' AS reason FROM new_row r JOIN dup_person d ON d.phone = r.phone
    UNION ALL
    SELECT r.line, r.email, d.id, 'name_zip' FROM new_row r JOIN dup_person d ON d.name = r.name AND d.zip = r.zip
    UNION ALL
    SELECT r.line, r.email, d.id, 'similar_name'
    FROM new_row r JOIN dup_person d ON d.county_id = r.county_id AND (d.first = r.first OR d.last = r.last)
    WHERE similarity(d.name, r.name) >= %(threshold)s
)
SELECT line, email, id, array_agg(DISTINCT reason) FROM matches GROUP BY line, email, id ORDER BY line, id
"""
ROSTER_REASONS = {"phone": "same phone number", "name_zip": "same name and ZIP code",
                  "similar_name": "similar name in the same county"}  # fmt: skip


def flag_roster_rows(cursor, chapter, result) -> None:
    """members.roster's preview check: a new person who may already be a member under another email."""
    stage_people(cursor, [chapter.pk])
    cursor.execute(ROSTER_MATCHES, {"create": "create", "threshold": SIMILARITY_THRESHOLD})
    rows = cursor.fetchall()
    people = Member.objects.select_related("user").in_bulk({pk for _, _, pk, _ in rows})
    for line, email, pk, reasons in rows:
        why = ", ".join(ROSTER_REASONS[r] for r in sorted(reasons))
        person = people[pk]
        result.notes.append(
            RowError(line, f"Possibly already a member as {person} <{person.user.email}>: {why}.", email)
        )


class DismissedPairQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DismissedPairQuerySet":
        """Pairs whose two people are both members the user may manage."""
        members = Member.objects.visible_to(user)
        if user.is_authenticated and user.is_national_coordinator:
            return self
        return self.filter(low__in=members, high__in=members)


class DismissedPair(models.Model):
    """Two people a coordinator looked at and judged not the same person: never suggested again."""

    low = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", help_text="The lower id of the two.")
    high = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    dismissed_at = models.DateTimeField(default=timezone.now)

    objects = DismissedPairQuerySet.as_manager()

    class Meta:
        verbose_name = "dismissed duplicate pair"
        ordering = ["-dismissed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="dismissed_pair_once"),
            models.CheckConstraint(condition=Q(low__lt=models.F("high")), name="dismissed_pair_ordered"),
        ]
        indexes = [models.Index(fields=["high"], name="dismissed_pair_high_idx")]

    def __str__(self) -> str:
        return f"{self.low} and {self.high}: not the same person"

    @classmethod
    def dismiss(cls, a: Member, b: Member, actor) -> "DismissedPair":
        low, high = sorted((a, b), key=lambda m: m.pk)
        pair, _ = cls.objects.get_or_create(low=low, high=high, defaults={"dismissed_by": actor})
        return pair
