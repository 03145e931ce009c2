"""The "exported" access rows (one per member per export) move onto their MemberExport row.

Each run of such rows was written in the export's transaction just before its MemberExport
row (same actor, created a moment later), so the rows belong to the actor's first export at
or after them. Rows that no export row follows (written without one) get an export row per
actor and hour. Views stay in MemberAccess.

Then MemberAccess.member loses its own index (member_access_recent_idx answers lookups by
member): altering the field makes Django drop and re-add the foreign key, which re-checks the
table, so it comes after the move has left only the views in it.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = [
    """
    CREATE TEMP TABLE export_access_move ON COMMIT DROP AS
    WITH events AS (
        SELECT coalesce(actor_id, 0) AS actor_key, actor_id, at AS t, NULL::bigint AS export_id, member_id
        FROM members_memberaccess WHERE action = 'exported'
        UNION ALL
        SELECT coalesce(actor_id, 0), actor_id, created_at, id, NULL FROM members_memberexport
    ), ranked AS (
        -- Counting the actor's exports from the newest: an access row's count is its export's.
        SELECT *, count(export_id) OVER (
            PARTITION BY actor_key ORDER BY t DESC, export_id DESC NULLS LAST ROWS UNBOUNDED PRECEDING
        ) AS grp
        FROM events
    )
    SELECT a.member_id, a.actor_id, a.t, e.export_id
    FROM ranked a LEFT JOIN ranked e ON e.export_id IS NOT NULL AND e.actor_key = a.actor_key AND e.grp = a.grp
    WHERE a.export_id IS NULL
    """,
    """
    UPDATE members_memberexport e SET member_ids = g.ids
    FROM (SELECT export_id, array_agg(DISTINCT member_id) AS ids FROM export_access_move
          WHERE export_id IS NOT NULL GROUP BY export_id) g
    WHERE e.id = g.export_id
    """,
    """
    INSERT INTO members_memberexport (actor_id, created_at, rows, filters, member_ids)
    SELECT actor_id, max(t), count(DISTINCT member_id), '', array_agg(DISTINCT member_id)
    FROM export_access_move WHERE export_id IS NULL
    GROUP BY actor_id, date_trunc('hour', t)
    """,
    "DELETE FROM members_memberaccess WHERE action = 'exported'",
    "DROP TABLE export_access_move",
]

BACKWARD = [
    """
    INSERT INTO members_memberaccess (member_id, actor_id, action, at)
    SELECT m.id, e.actor_id, 'exported', e.created_at
    FROM members_memberexport e CROSS JOIN LATERAL unnest(e.member_ids) AS x(id) JOIN members_member m ON m.id = x.id
    """,
    "UPDATE members_memberexport SET member_ids = '{}' WHERE member_ids <> '{}'",
]


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_export_member_ids"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AlterField(
            model_name="memberaccess",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="accesses",
                to="members.member",
            ),
        ),
    ]
