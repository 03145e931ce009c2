"""The duplicates scan at scale: one chapter of N members (50,000 by default) scanned for possible pairs.

    .venv/bin/python scripts/bench_duplicates.py [--quick] [--members N] [--runs R]

Inside one transaction that is rolled back, it makes a chapter of all of Texas's counties
(taken from whatever chapter held them, for the run only), fills it with N people by SQL
(names from 120 first names × 900 made-up last names; most people in a few big counties, as
in a real state), and plants known duplicates: 1 % the same person again with a typo in the
name, 0.5 % with the same phone number, 0.5 % the same name and ZIP code. Then it times
`find_pairs` for the chapter (the full ranking: every pair is found before the first page is
cut) and checks that the planted pairs are found. `bench_duplicates(members)` is what
scripts/bench.py calls. Timings never appear in tests.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
         "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
         "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Donald", "Ashley", "Steven",
         "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Kevin", "Carol", "Brian",
         "Amanda", "George", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "Jason", "Rebecca", "Edward",
         "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Dorothy", "Gary", "Amy", "Nicholas", "Kathleen",
         "Eric", "Angela", "Jonathan", "Shirley", "Stephen", "Emma", "Larry", "Brenda", "Justin", "Pamela", "Scott",
         "Nicole", "Brandon", "Anna", "Benjamin", "Samantha", "Samuel", "Katherine", "Gregory", "Christine",
         "Alexander", "Debra", "Patrick", "Rachel", "Frank", "Carolyn", "Raymond", "Janet", "Jack", "Maria",
         "Dennis", "Olivia", "Jerry", "Heather", "Tyler", "Helen", "Aaron", "Catherine", "Jose", "Diane", "Adam",
         "Julie", "Nathan", "Victoria", "Henry", "Joyce", "Zachary", "Lauren", "Douglas", "Kelly", "Peter",
         "Christina", "Kyle", "Ruth", "Noah", "Joan", "Ethan", "Virginia"]  # fmt: skip
PREFIX = ["Ash", "Bar", "Black", "Brad", "Brook", "Burn", "Cal", "Carl", "Chad", "Clay", "Cole", "Cran", "Dal",
          "Dun", "East", "Fair", "Fox", "Gold", "Green", "Hal", "Hart", "Hol", "Kings", "Lang", "Lind", "Mar",
          "Mid", "Nor", "Red", "Stan"]  # fmt: skip
SUFFIX = ["ford", "ley", "ton", "wood", "field", "well", "by", "more", "ham", "wick", "son", "man", "den", "stead",
          "worth", "bury", "dale", "brook", "croft", "hurst", "shaw", "mont", "ridge", "combe", "land", "gate",
          "holm", "thorpe", "way", "well"]  # fmt: skip
STATE = "TX"


def sql_array(values: list[str]) -> str:
    return "(ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "])"


def fill_chapter(cursor, chapter_id: int, members: int) -> None:
    """N users and members in the chapter, then the planted duplicates (marked by their email's domain)."""
    cursor.execute(
        """
        CREATE TEMP TABLE bench_zip ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY c.rank, zc.zipcode_id) AS idx, zc.zipcode_id AS zip, zc.county_id,
               c.rank AS county_rank
        FROM chapters_zipcode_counties zc
        JOIN (SELECT fips, row_number() OVER (ORDER BY fips) AS rank FROM chapters_county WHERE state_id = %s) c
          ON c.fips = zc.county_id
        """,
        [STATE],
    )
    cursor.execute(
        "CREATE TEMP TABLE bench_county ON COMMIT DROP AS"
        " SELECT county_rank, min(idx) AS first_idx, count(*) AS zips FROM bench_zip GROUP BY county_rank"
    )
    cursor.execute("SELECT max(county_rank) FROM bench_zip")
    (counties,) = cursor.fetchone()
    cursor.execute("SELECT setseed(0.17)")
    # Most people in a few big counties: county rank drawn as floor(random()^3 × counties).
    cursor.execute(
        f"""
        CREATE TEMP TABLE bench_person ON COMMIT DROP AS
        SELECT i, {sql_array(FIRST)}[1 + floor(random() * {len(FIRST)})::int] AS first,
               {sql_array(PREFIX)}[1 + floor(random() * {len(PREFIX)})::int]
               || {sql_array(SUFFIX)}[1 + floor(random() * {len(SUFFIX)})::int] AS last,
               '+1' || (2010000000 + floor(random() * 7980000000))::bigint AS phone,
               1 + floor(power(random(), 3) * %s)::int AS county_rank, random() AS pick
        FROM generate_series(1, %s) i
        """,
        [counties, members],
    )
    cursor.execute(
        """
        CREATE TEMP TABLE bench_placed ON COMMIT DROP AS
        SELECT p.*, z.zip, z.county_id FROM bench_person p
        JOIN bench_county c ON c.county_rank = p.county_rank
        JOIN bench_zip z ON z.idx = c.first_idx + floor(p.pick * c.zips)::int
        """
    )
    cursor.execute(
        """
        INSERT INTO bench_placed (i, first, last, phone, county_rank, pick, zip, county_id)
        SELECT %(n)s + row_number() OVER (), first, kind, phone, county_rank, pick, zip, county_id FROM (
            -- a typo: one letter of the last name dropped, another phone, another ZIP of the county
            SELECT first, overlay(last placing '' from 3 for 1) AS kind, '+1' || (2010000000 + i)::text AS phone,
                   county_rank, pick, zip, county_id FROM bench_placed WHERE i %% 100 = 1
            UNION ALL  -- same phone, a nickname
            SELECT left(first, 3), last, phone, county_rank, pick, zip, county_id FROM bench_placed WHERE i %% 200 = 2
            UNION ALL  -- same name and ZIP, no phone
            SELECT first, last, '', county_rank, pick, zip, county_id FROM bench_placed WHERE i %% 200 = 3
        ) planted
        """,
        {"n": members},
    )
    cursor.execute(
        """
        WITH u AS (
            INSERT INTO members_user (email, first_name, last_name, password, is_superuser, is_staff, is_active,
                                      date_joined)
            SELECT 'bench-dup-' || i || CASE WHEN i > %(n)s THEN '@planted.example' ELSE '@example.org' END,
                   first, last, '!', false, false, true, now()
            FROM bench_placed RETURNING id, email
        )
        INSERT INTO members_member (user_id, phone, zip_code_id, county_id, state_id, chapter_id, status,
            email_updates, text_messages, show_name_publicly, ref, utm_source, utm_medium, utm_campaign, utm_term,
            utm_content, created_at, joined_at, version)
        SELECT u.id, p.phone, p.zip, p.county_id, %(state)s, %(chapter)s, 'imported', false, false, false,
               '', '', '', '', '', '', now(), now(), 1
        FROM u JOIN bench_placed p ON u.email = 'bench-dup-' || p.i
             || CASE WHEN p.i > %(n)s THEN '@planted.example' ELSE '@example.org' END
        """,
        {"n": members, "state": STATE, "chapter": chapter_id},
    )
    cursor.execute("ANALYZE members_member")
    cursor.execute("ANALYZE members_user")


def bench_duplicates(members: int = 50_000, runs: int = 3) -> dict:
    """Seconds to scan one chapter of `members` people for possible duplicates (median of `runs`), and recall."""
    from django.db import connection, transaction

    from chapters.models import Chapter, County, State
    from duplicates.models import find_pairs
    from members.models import Member

    with transaction.atomic():
        state = State.objects.get(code=STATE)
        chapter = Chapter.objects.create(name="Bench duplicates", slug="bench-duplicates", state=state)
        County.objects.filter(state=state).update(chapter=chapter)
        t = time.monotonic()
        with connection.cursor() as cursor:
            fill_chapter(cursor, chapter.pk, members)
        fill_seconds = time.monotonic() - t
        size = Member.objects.filter(chapter=chapter).count()
        timings = []
        for _ in range(runs):
            t = time.monotonic()
            pairs, total = find_pairs([chapter.pk], limit=50)
            timings.append(time.monotonic() - t)
        # Recall: every planted person should be in a pair (found by any of the three signs).
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM members_user WHERE email LIKE '%%@planted.example'")
            planted = cursor.fetchone()[0]
        everything, _ = find_pairs([chapter.pk], limit=total or 1)
        found = {m.pk for p in everything for m in p.people if m.user.email.endswith("@planted.example")}
        transaction.set_rollback(True)
    return {
        "members": size,
        "fill_seconds": round(fill_seconds, 1),
        "scan_seconds_median": round(statistics.median(timings), 2),
        "scan_seconds_each": [round(s, 2) for s in timings],
        "pairs": total,
        "planted": planted,
        "planted_found": len(found),
        "top_confidence": pairs[0].percent if pairs else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 members.")
    parser.add_argument("--members", type=int, help="Members in the chapter (default 50,000).")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django

    django.setup()
    from django.conf import settings

    from devtools import embedded_db

    if settings.EMBEDDED_DB_DIR:  # as manage.py does: start (or join) the embedded PostgreSQL
        embedded_db.start(settings.EMBEDDED_DB_DIR)
    members = args.members or (5_000 if args.quick else 50_000)
    result = bench_duplicates(members, args.runs)
    print(result)
    ok = result["scan_seconds_median"] < 10
    verdict = "ok" if ok else "TOO SLOW"
    print(
        f"scan of {result['members']:,} members: {result['scan_seconds_median']} s (target < 10 s): {verdict}; "
        f"{result['planted_found']} of {result['planted']} planted duplicates found"
    )


if __name__ == "__main__":
    main()
