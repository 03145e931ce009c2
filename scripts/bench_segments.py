"""Counting a saved segment at scale (issue #18): the Django side, called by bench_support.prepare_database.

The segment of the target is three conditions a coordinator combines every week: tagged
"volunteer", active, agreed to email updates. The tag is put on the same number of members
(TAGGED, a pseudo-random sample of the active ones) at every scale, so the segment is the
same size at 10,000 and at 1,000,000 members and its count must not grow with the table:
PostgreSQL starts from the tag's rows (member_tag_by_tag_idx) and looks each member up by
primary key. For comparison, a segment that does grow with the table (the largest chapter's
state, active, email updates) is timed too; its count reads every matching member.

Everything is written in one transaction that is rolled back: the bench database keeps no tag.
"""

import statistics
import time

TAGGED = 1_000
WARMUP, REPEATS = 3, 25
TARGET_MS, TARGET_RATIO = 200, 1.5


def median_ms(definition: dict, user) -> tuple[float, int]:
    """The median time to count the definition's members (a fresh queryset each time, as a page does)."""
    from segments.definition import members_matching

    for _ in range(WARMUP):
        count = members_matching(definition, user).count()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        members_matching(definition, user).count()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2), count


def measure_segments(user, state: str) -> dict:
    """Median count times of the tag segment and of a state segment, for `user` (a national coordinator).

    Django is imported here: bench.py's orchestrator imports this module for its report lines only.
    """
    from django.db import connection, transaction

    from members.models import Member
    from tags.models import Tag

    with transaction.atomic():
        tag = Tag.objects.create(name="bench volunteer")
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO tags_membertag (member_id, tag_id, added_at)
                   SELECT id, %s, now() FROM members_member WHERE status = %s ORDER BY md5(id::text) LIMIT %s""",
                [tag.pk, Member.Status.ACTIVE, TAGGED],
            )
            cursor.execute("ANALYZE tags_membertag")
        tagged = {"tags_any": [tag.pk], "statuses": ["active"], "consents": ["email_updates"]}
        in_state = {"states": [state], "statuses": ["active"], "consents": ["email_updates"]}
        tag_ms, tag_count = median_ms(tagged, user)
        state_ms, state_count = median_ms(in_state, user)
        transaction.set_rollback(True)
    return {
        "tagged": TAGGED,
        "tag_segment_ms": tag_ms,
        "tag_segment_members": tag_count,
        "state": state,
        "state_segment_ms": state_ms,
        "state_segment_members": state_count,
    }


def report_lines(large: dict, small: dict) -> list[str]:
    """The bench table's lines: both segments at both scales, and the target's verdict."""
    big, little = large["segments"], small["segments"]
    ratio = big["tag_segment_ms"] / little["tag_segment_ms"] if little["tag_segment_ms"] else float("inf")
    verdict = "met" if ratio <= TARGET_RATIO and big["tag_segment_ms"] < TARGET_MS else "NOT met"
    return [
        f"segment count (tagged volunteer, active, email updates; {big['tagged']:,} tagged): "
        f"{big['tag_segment_ms']} ms at {large['members']:,} ({big['tag_segment_members']:,} in it), "
        f"{little['tag_segment_ms']} ms at {small['members']:,} ({little['tag_segment_members']:,}): "
        f"{ratio:.2f}× — target ≤ {TARGET_RATIO}× and < {TARGET_MS} ms {verdict}",
        f"segment count (state {big['state']}, active, email updates; grows with the table): "
        f"{big['state_segment_ms']} ms ({big['state_segment_members']:,} members) vs "
        f"{little['state_segment_ms']} ms ({little['state_segment_members']:,})",
    ]
