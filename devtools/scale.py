"""A scale data set for benchmarks: ~60 chapters and any number of members, built in SQL.

Every large table is filled with set-based `INSERT ... SELECT ... FROM generate_series`,
in chunks so a progress bar can move; nothing goes through the ORM row by row. The rows
are marked so `reset()` can remove exactly them: seeded users have the unusable password
`SEED_PASSWORD`, seeded chapters the description `SEED_CHAPTER_NOTE`, seeded endorsements
and answers the prefix `scale-`, seeded reach snapshots the note `SEED_REACH_NOTE`.

Members land on a ZIP code picked uniformly among all ZIP codes, so states fill in
proportion to their number of ZIP codes (a fair proxy for population), in a real county
of that ZIP and hence in the chapter that covers it. Joins spread over two years with
growth; some members moved chapter or left, and the MembershipEvent history adds up to
the current counts.
"""

import time
from collections.abc import Callable
from contextlib import contextmanager

from django.db import connection, transaction

from chapters.models import Chapter, County, SocialPage, State
from devtools.demo import load_demo
from members.models import MembershipDaily

SEED_PASSWORD = "!seed-scale"
SEED_CHAPTER_NOTE = "A chapter of the scale data set (manage.py seed_scale)."
SEED_REACH_NOTE = "scale data set"
SEED_PREFIX = "scale-"
CHUNK = 100_000

# The states that get two chapters (split by county), besides the demo chapters' states.
SPLIT_STATES = ["TX", "CA", "GA", "FL", "MI", "OH", "VA", "NC", "MO", "KY"]

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Donald", "Ashley",
    "Steven", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle", "Kevin", "Carol",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
]  # fmt: skip
DOMAINS = ["mail.example.com", "post.example.net", "inbox.example.org"]
UTM_SOURCES = ["", "", "", "facebook", "x", "instagram", "newsletter", "tiktok", "partner"]
REFS = ["", "", "", "", "chapter-flyer", "friend", "radio", "town-hall"]

Progress = Callable[[str, int], Callable[[int], None]]


class SeedExists(Exception):
    """Seed rows are already there: run with reset to rebuild them."""


def _no_progress(stage: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: list[str], rand: str) -> str:
    """SQL for one of `values` chosen by the uniform random column `rand`."""
    return f"({_array(values)})[1 + floor({rand} * {len(values)})::int]"


BULK_TABLES = [
    "members_user", "account_emailaddress", "members_member", "members_membershipevent",
    "members_consentrecord", "question_answer",
]  # fmt: skip


@contextmanager
def _bulk_load(cursor, tables: list[str]):
    """Load without maintaining secondary indexes row by row, then build them once.

    Building an index over a million rows is several times faster than updating it a
    million times. Indexes and unique constraints that nothing else depends on are
    dropped and recreated from their own definitions, in the same transaction, so a
    failure leaves the schema as it was. Foreign-key triggers are skipped when the role
    may (a superuser, as with the embedded server): the generated rows reference
    existing rows by construction.
    """
    # Checks deferred by earlier writes of this transaction must run before the ALTERs.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Loading, not serving: no need to wait for each commit to reach the disk.
    cursor.execute("SET LOCAL synchronous_commit = off")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    if cursor.fetchone()[0]:
        cursor.execute("SET LOCAL session_replication_role = replica")
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.conrelid = ANY(%(tables)s::regclass[]) AND c.contype = 'u'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
        """,
        {"tables": tables},
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%(tables)s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        {"tables": tables},
    )
    indexes = cursor.fetchall()
    for table, name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    yield len(indexes) + len(constraints)
    for _, definition in indexes:
        cursor.execute(definition)
    for table, name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _temp_table(cursor, name: str, body: str) -> None:
    # Dropped first: inside an outer transaction (tests) ON COMMIT DROP has not fired yet.
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    if body.lstrip().startswith("("):
        cursor.execute(f"CREATE TEMP TABLE {name} {body} ON COMMIT DROP")
    else:
        cursor.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP {body}")


def seed_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM members_user WHERE password = %s)", [SEED_PASSWORD])
        return cursor.fetchone()[0]


def reset(progress: Progress = _no_progress) -> None:
    """Delete every seeded row (and nothing else), in foreign-key order."""
    temp = {
        "seed_users": "AS SELECT id FROM members_user WHERE password = %(pw)s",
        "seed_members": "AS SELECT id FROM members_member WHERE user_id IN (SELECT id FROM seed_users)",
        "seed_chapters": "AS SELECT id FROM chapters_chapter WHERE description = %(chapter)s",
    }
    statements = [
        "DELETE FROM members_consentrecord WHERE member_id IN (SELECT id FROM seed_members)",
        # Admin views of seeded members (the bench opens one) are logged against them.
        "DELETE FROM members_memberaccess WHERE member_id IN (SELECT id FROM seed_members)",
        "DELETE FROM members_membershipevent WHERE member_id IN (SELECT id FROM seed_members)",
        # Exports (the bench runs some) list the seeded members; a new seed reuses their ids.
        # One hash join over every export's ids (3 s for 2.6 million at 1M members).
        """
        UPDATE members_memberexport e SET member_ids = k.ids
        FROM (SELECT x.export_id, coalesce(array_agg(x.id) FILTER (WHERE s.id IS NULL), '{}') AS ids
              FROM (SELECT id AS export_id, unnest(member_ids) AS id FROM members_memberexport
                    WHERE member_ids <> '{}') x
              LEFT JOIN seed_members s ON s.id = x.id
              GROUP BY x.export_id) k
        WHERE e.id = k.export_id
        """,
        "DELETE FROM members_member WHERE id IN (SELECT id FROM seed_members)",
        "DELETE FROM account_emailaddress WHERE user_id IN (SELECT id FROM seed_users)",
        "DELETE FROM members_user WHERE id IN (SELECT id FROM seed_users)",
        "DELETE FROM endorsements_endorsement WHERE slug LIKE %(prefix)s",
        "DELETE FROM question_answer WHERE visitor LIKE %(prefix)s",
        "DELETE FROM dashboards_reachsnapshot WHERE note = %(reach)s",
        "UPDATE chapters_county SET chapter_id = NULL WHERE chapter_id IN (SELECT id FROM seed_chapters)",
        "UPDATE members_member SET chapter_id = NULL WHERE chapter_id IN (SELECT id FROM seed_chapters)",
        "DELETE FROM chapters_chapter_territory_counties WHERE chapter_id IN (SELECT id FROM seed_chapters)",
        "DELETE FROM dashboards_reachsnapshot WHERE social_page_id IN "
        "(SELECT id FROM chapters_socialpage WHERE chapter_id IN (SELECT id FROM seed_chapters))",
        "DELETE FROM chapters_socialpage WHERE chapter_id IN (SELECT id FROM seed_chapters)",
        "DELETE FROM chapters_statuschange WHERE chapter_id IN (SELECT id FROM seed_chapters)",
        "DELETE FROM chapters_officer WHERE chapter_id IN (SELECT id FROM seed_chapters)",
        "UPDATE members_membershipevent SET from_chapter_id = NULL WHERE from_chapter_id IN "
        "(SELECT id FROM seed_chapters)",
        "UPDATE members_membershipevent SET to_chapter_id = NULL WHERE to_chapter_id IN (SELECT id FROM seed_chapters)",
        "DELETE FROM chapters_chapter WHERE id IN (SELECT id FROM seed_chapters)",
    ]
    params = {"pw": SEED_PASSWORD, "prefix": SEED_PREFIX + "%", "reach": SEED_REACH_NOTE, "chapter": SEED_CHAPTER_NOTE}
    step = progress("reset", len(statements))
    with transaction.atomic(), connection.cursor() as cursor:
        for name, body in temp.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMP TABLE {name} ON COMMIT DROP {body}", params)
        for sql in statements:
            cursor.execute(sql, params)
            step(1)


def seed_chapters() -> list[Chapter]:
    """The 11 demo chapters plus one chapter for every other state, two for the SPLIT_STATES."""
    load_demo()
    taken = set(Chapter.objects.values_list("state_id", flat=True))
    statuses = [Chapter.Status.ACTIVE] * 5 + [Chapter.Status.FORMING, Chapter.Status.ACTIVE, Chapter.Status.DORMANT]
    made = 0
    for state in State.objects.exclude(code__in=taken).order_by("code"):
        counties = list(County.objects.filter(state=state).order_by("fips"))
        if not counties:
            continue
        if state.code in SPLIT_STATES and len(counties) > 1:
            half = len(counties) // 2
            parts = [
                (f"{state.name} Consents North", counties[:half]),
                (f"{state.name} Consents South", counties[half:]),
            ]
        else:
            parts = [(f"{state.name} Consents", None)]
        for name, listed in parts:
            chapter = Chapter.objects.create(
                name=name,
                slug=Chapter.derive_slug(name),
                state=state,
                status=statuses[made % len(statuses)],
                description=SEED_CHAPTER_NOTE,
                territory_mode=Chapter.TerritoryMode.ONLY if listed else Chapter.TerritoryMode.WHOLE_STATE,
            )
            made += 1
            if listed:
                chapter.territory_counties.set(listed)
                County.objects.filter(pk__in=[c.pk for c in listed]).update(chapter=chapter)
            else:
                County.objects.filter(state=state).update(chapter=chapter)
    place_members_in_new_chapters()
    chapters = list(Chapter.objects.order_by("pk"))
    pages = [
        SocialPage(chapter=c, platform=platform, url=f"https://{platform}.example.com/{SEED_PREFIX}{c.slug}")
        for c in chapters
        for platform in (SocialPage.Platform.FACEBOOK, SocialPage.Platform.X, SocialPage.Platform.INSTAGRAM)
    ]
    SocialPage.objects.bulk_create(pages, ignore_conflicts=True)
    return chapters


def place_members_in_new_chapters() -> None:
    """Members who lived where no chapter was (the demo's) now belong to the new chapter there.

    Each counted one gets a "moved" event, so that the history still adds up to the members.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH placed AS (
                UPDATE members_member m SET chapter_id = c.chapter_id
                FROM chapters_county c
                WHERE m.county_id = c.fips AND m.chapter_id IS NULL AND c.chapter_id IS NOT NULL
                RETURNING m.id, m.chapter_id, m.state_id, m.status
            )
            INSERT INTO members_membershipevent
                (member_id, kind, occurred_at, from_chapter_id, to_chapter_id, from_state_id, to_state_id, source)
            SELECT id, 'moved', now(), NULL, chapter_id, state_id, state_id, 'admin'
            FROM placed WHERE status IN ('active', 'imported')
            """
        )


def _reserve_ids(cursor, table: str, count: int) -> int:
    """Move the table's id sequence past `count` new ids and return the base (new ids are base+1..base+count)."""
    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    base = cursor.fetchone()[0]
    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, base + count])
    return base


def seed_members(cursor, count: int, progress: Progress) -> None:
    cursor.execute("SELECT setseed(0.42)")
    _temp_table(
        cursor,
        "seed_zip",
        """AS
        SELECT row_number() OVER (ORDER BY z.code) AS idx, z.code, c.fips AS county_id, c.state_id, c.chapter_id
        FROM chapters_zipcode z
        JOIN LATERAL (
            SELECT county_id FROM chapters_zipcode_counties l WHERE l.zipcode_id = z.code ORDER BY county_id LIMIT 1
        ) first ON true
        JOIN chapters_county c ON c.fips = first.county_id
        """,
    )
    cursor.execute("SELECT count(*) FROM seed_zip")
    zips = cursor.fetchone()[0]
    _temp_table(
        cursor, "seed_chap", "AS SELECT row_number() OVER (ORDER BY id) AS idx, id, state_id FROM chapters_chapter"
    )
    cursor.execute("SELECT count(*) FROM seed_chap")
    chapters = cursor.fetchone()[0]
    ubase = _reserve_ids(cursor, "members_user", count)
    mbase = _reserve_ids(cursor, "members_member", count)

    _temp_table(
        cursor,
        "seed_plan",
        """(
            i int PRIMARY KEY, zip text, county text, state text, chapter bigint, first text, last text,
            email text, status text, created timestamptz, joined timestamptz, moved bool, prev_chapter bigint,
            prev_state text, moved_at timestamptz, left_at timestamptz, phone text, email_updates bool,
            text_messages bool, show_name bool, ref text, utm_source text, utm_medium text, utm_campaign text
        )""",
    )
    plan = f"""
        INSERT INTO seed_plan
        SELECT g.i, z.code, z.county_id, z.state_id, z.chapter_id, g.first, g.last,
            lower(g.first) || '.' || lower(g.last) || g.i || '@' || {_pick(DOMAINS, "g.rd")},
            g.status, g.created, CASE WHEN g.status = 'pending' THEN NULL ELSE g.created END,
            g.rm < 0.04 AND g.status <> 'pending' AND c.id IS DISTINCT FROM z.chapter_id, c.id, c.state_id,
            NULL, NULL,
            CASE WHEN g.rp < 0.4
                 THEN '+1' || (200 + floor(g.rq * 700)::int) || '555' || lpad(mod(g.i, 10000)::text, 4, '0')
                 ELSE '' END,
            g.re < 0.7, g.rp < 0.4 AND g.re < 0.3, g.re > 0.8,
            {_pick(REFS, "g.rr")}, g.utm,
            CASE WHEN g.utm = '' THEN '' WHEN g.utm = 'newsletter' THEN 'email' ELSE 'social' END,
            CASE WHEN g.utm = '' THEN '' ELSE 'join-' || to_char(g.created, 'YYYY-MM') END
        FROM (
            SELECT i, r.*, {_pick(FIRST_NAMES, "r.rf")} AS first, {_pick(LAST_NAMES, "r.rl")} AS last,
                CASE WHEN r.rs < 0.03 THEN 'pending' WHEN r.rs < 0.08 THEN 'left'
                     WHEN r.rs < 0.15 THEN 'imported' ELSE 'active' END AS status,
                CASE WHEN r.rs < 0.03 THEN now() - interval '14 days' * r.rt
                     ELSE now() - interval '730 days' + interval '730 days' * sqrt(r.rt) END AS created,
                {_pick(UTM_SOURCES, "r.ru")} AS utm
            FROM generate_series(%(lo)s, %(hi)s) i,
            LATERAL (SELECT random() + 0 * i AS rz, random() AS rc, random() AS rs, random() AS rt, random() AS rm,
                            random() AS rp, random() AS rq, random() AS re, random() AS rr, random() AS ru,
                            random() AS rd, random() AS rf, random() AS rl) r
        ) g
        JOIN seed_zip z ON z.idx = 1 + floor(g.rz * %(zips)s)::int
        JOIN seed_chap c ON c.idx = 1 + floor(g.rc * %(chapters)s)::int
    """
    _chunked(cursor, plan, count, progress("plan", count), {"zips": zips, "chapters": chapters})
    # Moves and departures happen between joining and now, in that order.
    cursor.execute(
        "UPDATE seed_plan SET moved_at = joined + (now() - joined) * random() * 0.8 WHERE moved;"
        "UPDATE seed_plan SET left_at = coalesce(moved_at, joined) + (now() - coalesce(moved_at, joined)) * random()"
        " WHERE status = 'left'"
    )

    stages = [
        (
            "users",
            f"""INSERT INTO members_user (id, password, last_login, is_superuser, first_name, last_name, is_staff,
                    is_active, date_joined, email)
                SELECT {ubase} + i, %(pw)s, NULL, false, first, last, false, true, created, email
                FROM seed_plan WHERE i BETWEEN %(lo)s AND %(hi)s""",
        ),
        (
            "email addresses",
            f"""INSERT INTO account_emailaddress (email, verified, "primary", user_id)
                SELECT email, status <> 'pending', true, {ubase} + i
                FROM seed_plan WHERE i BETWEEN %(lo)s AND %(hi)s""",
        ),
        (
            "members",
            f"""INSERT INTO members_member (id, user_id, phone, zip_code_id, county_id, state_id, chapter_id, status,
                    email_updates, text_messages, show_name_publicly, ref, utm_source, utm_medium, utm_campaign,
                    utm_term, utm_content, created_at, joined_at)
                SELECT {mbase} + i, {ubase} + i, phone, zip, county, state, chapter, status, email_updates,
                    text_messages, show_name, ref, utm_source, utm_medium, utm_campaign, '', '', created, joined
                FROM seed_plan WHERE i BETWEEN %(lo)s AND %(hi)s""",
        ),
        (
            "history",
            f"""INSERT INTO members_membershipevent (member_id, kind, occurred_at, from_chapter_id, to_chapter_id,
                    from_state_id, to_state_id, source)
                SELECT {mbase} + i, 'joined', joined, NULL, CASE WHEN moved THEN prev_chapter ELSE chapter END,
                    NULL, CASE WHEN moved THEN prev_state ELSE state END,
                    CASE WHEN status = 'imported' THEN 'import' ELSE 'signup' END
                FROM seed_plan WHERE status <> 'pending' AND i BETWEEN %(lo)s AND %(hi)s
                UNION ALL
                SELECT {mbase} + i, 'moved', moved_at, prev_chapter, chapter, prev_state, state, 'profile'
                FROM seed_plan WHERE moved AND i BETWEEN %(lo)s AND %(hi)s
                UNION ALL
                SELECT {mbase} + i, 'left', left_at, chapter, NULL, state, NULL, 'profile'
                FROM seed_plan WHERE status = 'left' AND i BETWEEN %(lo)s AND %(hi)s""",
        ),
        (
            "consents",
            f"""INSERT INTO members_consentrecord (member_id, topic, given, at, source)
                SELECT {mbase} + i, t.topic, true, created,
                    CASE WHEN status = 'imported' THEN 'import' ELSE 'signup' END
                FROM seed_plan
                JOIN LATERAL (VALUES ('email_updates', email_updates), ('text_messages', text_messages),
                                     ('show_name_publicly', show_name)) t(topic, given) ON t.given
                WHERE i BETWEEN %(lo)s AND %(hi)s""",
        ),
    ]
    for stage, sql in stages:
        _chunked(cursor, sql, count, progress(stage, count), {"pw": SEED_PASSWORD})


def _chunked(cursor, sql: str, count: int, step: Callable[[int], None], params: dict) -> None:
    for lo in range(1, count + 1, CHUNK):
        hi = min(lo + CHUNK - 1, count)
        cursor.execute(sql, {**params, "lo": lo, "hi": hi})
        step(hi - lo + 1)


def seed_endorsements(cursor, count: int, progress: Progress) -> None:
    kinds = ["candidate", "official", "organisation", "public_figure", "individual"]
    step = progress("endorsements", count)
    cursor.execute(
        f"""
        INSERT INTO endorsements_endorsement (kind, name, office, party, state_id, statement, source_url, made_on,
            image, user_id, slug, contact_email, status, verification_method, verification_note, verified_by_id,
            verified_at, published_at, rejection_reason, featured, withdrawn_at, withdrawn_by_id, created_at)
        SELECT kind, name, CASE WHEN kind IN ('candidate', 'official') THEN 'State representative' ELSE '' END,
            '', state, 'We support the right of the people of our state to decide.', 'https://news.example.com/' || i,
            (created - interval '3 days')::date, '', NULL, %(prefix)s || i, '', status,
            CASE WHEN status IN ('verified', 'published', 'withdrawn') THEN 'public_statement' ELSE '' END,
            CASE WHEN status IN ('verified', 'published', 'withdrawn') THEN 'Checked the source statement.' ELSE '' END,
            NULL,
            CASE WHEN status IN ('verified', 'published', 'withdrawn') THEN created + interval '1 day' END,
            CASE WHEN status = 'published' THEN created + interval '2 days' END,
            CASE WHEN status = 'rejected' THEN 'Could not verify the statement.' ELSE '' END,
            status = 'published' AND i %% 100 = 0,
            CASE WHEN status = 'withdrawn' THEN created + interval '5 days' END, NULL, created
        FROM (
            SELECT i, {_pick(kinds, "random()")} AS kind,
                {_pick(FIRST_NAMES, "random()")} || ' ' || {_pick(LAST_NAMES, "random()")} AS name,
                CASE WHEN random() < 0.15 THEN NULL ELSE s.codes[1 + floor(random() * s.n)::int] END AS state,
                CASE WHEN r < 0.80 THEN 'published' WHEN r < 0.85 THEN 'verified' WHEN r < 0.90 THEN 'submitted'
                     WHEN r < 0.94 THEN 'unconfirmed' WHEN r < 0.97 THEN 'rejected' ELSE 'withdrawn' END AS status,
                now() - interval '720 days' * random() AS created
            FROM generate_series(1, %(count)s) i, LATERAL (SELECT random() + 0 * i AS r) rr,
                (SELECT array_agg(code ORDER BY code) AS codes, count(*) AS n FROM chapters_state) s
        ) e
        """,
        {"prefix": SEED_PREFIX, "count": count},
    )
    step(count)


def seed_answers(cursor, count: int, progress: Progress) -> None:
    step = progress("answers", count)
    sql = """
        INSERT INTO question_answer (choice, state_id, user_id, visitor, created_at, updated_at)
        SELECT CASE WHEN r.c < 0.55 THEN 'yes' WHEN r.c < 0.85 THEN 'no' ELSE 'unsure' END,
            CASE WHEN r.s < 0.1 THEN NULL ELSE z.state_id END, NULL, %(prefix)s || md5(i::text), t, t
        FROM generate_series(%(lo)s, %(hi)s) i,
        LATERAL (SELECT random() + 0 * i AS c, random() AS s, random() AS z,
                        now() - interval '700 days' * random() AS t) r
        JOIN seed_zip z ON z.idx = 1 + floor(r.z * (SELECT count(*) FROM seed_zip))::int
    """
    _chunked(cursor, sql, count, step, {"prefix": SEED_PREFIX})


def seed_reach(cursor, progress: Progress) -> None:
    step = progress("reach snapshots", 1)
    # Weekly follower counts for two years, growing; a notable post now and then.
    cursor.execute(
        """
        INSERT INTO dashboards_reachsnapshot (social_page_id, date, followers, post_reach, post_url, note,
            recorded_by_id, created_at)
        SELECT p.id, (now() - interval '1 week' * w)::date,
            (100 + (p.id %% 17) * 50) * (105 - w) / 5,
            CASE WHEN w %% 13 = 0 THEN 1000 * (105 - w) + (p.id %% 7) * 500 END,
            CASE WHEN w %% 13 = 0 THEN p.url || '/posts/' || w ELSE '' END,
            %(note)s, NULL, now()
        FROM chapters_socialpage p, generate_series(0, 104) w
        WHERE p.url LIKE %(prefix)s
        """,
        {"note": SEED_REACH_NOTE, "prefix": "%/" + SEED_PREFIX + "%"},
    )
    step(1)


def seed_scale(
    *, members: int, endorsements: int = 10_000, answers: int = 200_000, progress: Progress = _no_progress
) -> dict[str, float]:
    """Build the data set; return the seconds each stage took. Raises SeedExists if seed rows are there."""
    if seed_exists():
        raise SeedExists("The scale data set is already loaded; run with --reset to rebuild it.")
    timings: dict[str, float] = {}
    started = time.monotonic()
    with transaction.atomic():
        seed_chapters()
        timings["chapters"] = time.monotonic() - started
        with connection.cursor() as cursor, _bulk_load(cursor, BULK_TABLES) as rebuilt:
            for name, run in [
                ("members", lambda: seed_members(cursor, members, progress)),
                ("endorsements", lambda: seed_endorsements(cursor, endorsements, progress)),
                ("answers", lambda: seed_answers(cursor, answers, progress)),
                ("reach", lambda: seed_reach(cursor, progress)),
            ]:
                t = time.monotonic()
                run()
                timings[name] = time.monotonic() - t
            step = progress("indexes", rebuilt)
            t = time.monotonic()
        step(rebuilt)
        timings["indexes"] = time.monotonic() - t
        # The bulk load ran with triggers off (replica role), so the daily sums of the
        # history are computed once, in one grouped INSERT, from all the events.
        t = time.monotonic()
        MembershipDaily.rebuild()
        timings["daily sums"] = time.monotonic() - t
    t = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze"] = time.monotonic() - t
    timings["total"] = time.monotonic() - started
    return timings
