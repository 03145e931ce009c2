"""The roster import's `tags` column: tag names separated by commas or semicolons ("volunteer; donor").

Names are matched, ignoring case, among the national tags and the tags of the chapter being
imported into (its own first when both have the name). A name matching neither makes the row
an error: tags are created in the admin, so a typo never creates a tag nobody meant.
"""

from collections import defaultdict

from django.utils import timezone

from lib import audit
from members.models import Member
from members.roster import ExtraColumn, register_column
from tags.models import Tag

NAMED = """
    SELECT p.line, p.email, btrim(name) AS name
    FROM import_plan p, regexp_split_to_table(p.extra->>'tags', '[;,]') AS name
    WHERE p.action IN ('create', 'update', 'unchanged') AND btrim(name) <> ''
"""
USABLE = "(t.chapter_id IS NULL OR t.chapter_id = %(chapter)s)"

UNKNOWN = f"""
WITH named AS ({NAMED}), unknown AS (
    SELECT n.line, string_agg(DISTINCT n.name, ', ') AS names
    FROM named n
    WHERE NOT EXISTS (SELECT 1 FROM tags_tag t WHERE lower(t.name) = lower(n.name) AND {USABLE})
    GROUP BY n.line
)
UPDATE import_plan p SET action = 'error', error = 'Unknown tag: ' || left(u.names, 200)
    || ' (tags are created in the admin first).'
FROM unknown u WHERE p.line = u.line
"""

TAG = f"""
WITH named AS ({NAMED}), chosen AS (
    SELECT DISTINCT ON (n.line, lower(n.name)) n.email, t.id AS tag_id
    FROM named n JOIN tags_tag t ON lower(t.name) = lower(n.name) AND {USABLE}
    ORDER BY n.line, lower(n.name), t.chapter_id NULLS LAST
)
INSERT INTO tags_membertag (member_id, tag_id, added_by_id, added_at)
SELECT m.id, c.tag_id, %(actor)s, %(now)s
FROM chosen c JOIN members_user u ON lower(u.email) = c.email
JOIN members_member m ON m.user_id = u.id AND m.chapter_id = %(chapter)s
ON CONFLICT DO NOTHING
RETURNING member_id, tag_id
"""


def refuse_unknown_tags(cursor, chapter) -> None:
    cursor.execute(UNKNOWN, {"chapter": chapter.pk})


def tag_imported(cursor, chapter, actor) -> None:
    """Add the named tags the members do not carry yet; each new tag in the member's history."""
    cursor.execute(TAG, {"chapter": chapter.pk, "actor": actor.pk if actor else None, "now": timezone.now()})
    by_tag: dict[int, list[int]] = defaultdict(list)
    for member_id, tag_id in cursor.fetchall():
        by_tag[tag_id].append(member_id)
    names = dict(Tag.objects.filter(pk__in=by_tag).values_list("pk", "name"))
    for tag_id, member_ids in by_tag.items():
        audit.record(
            actor,
            Member.objects.filter(pk__in=member_ids).select_related("user"),
            f"Tagged {names[tag_id]!r} (roster import).",
        )


def register_tags_column() -> None:
    register_column(
        ExtraColumn(
            name="tags",
            label="Tags",
            aliases=frozenset({"tags", "tag", "labels"}),
            plan=refuse_unknown_tags,
            write=tag_imported,
        )  # fmt: skip
    )
