"""Daily sums of the membership history, kept by triggers on the event table, filled from it once.

One statement-level trigger per operation, with transition tables: a statement inserting
100,000 events (the roster import, seed_scale) upserts its sums in one grouped INSERT,
a signup's single event in one small one. An update (a chapter deleted nulls its events'
chapters; the admin) takes the old rows away and adds the new ones. The day is computed
in TIME_ZONE as Django's TruncDate does, so the figures equal those computed from events.
"""

from django.conf import settings
from django.db import migrations

TZ = settings.TIME_ZONE


def rollup_sql(events: str, *, sign: int, time_zone: str) -> str:
    """Add (sign=1) or take away (sign=-1) the events of table `events` to the daily sums.

    A frozen copy of members.models.rollup_sql as it stood when this migration was written:
    a later change to that function must come with a migration of its own.
    Rows are upserted in key order so that concurrent statements lock them in the same order.
    """
    day = f"(occurred_at AT TIME ZONE '{time_zone}')::date"
    return f"""
        INSERT INTO members_membershipdaily AS d (day, chapter_id, state_id, gained, lost, joined)
        SELECT day, chapter_id, state_id, {sign} * sum(gained), {sign} * sum(lost), {sign} * sum(joined)
        FROM (
            SELECT {day} AS day, to_chapter_id AS chapter_id, to_state_id AS state_id,
                   1 AS gained, 0 AS lost, (kind = 'joined')::int AS joined
            FROM {events} WHERE to_chapter_id IS NOT NULL OR to_state_id IS NOT NULL
            UNION ALL
            SELECT {day}, from_chapter_id, from_state_id, 0, 1, 0
            FROM {events} WHERE from_chapter_id IS NOT NULL OR from_state_id IS NOT NULL
        ) e
        GROUP BY day, chapter_id, state_id
        ORDER BY day, chapter_id, state_id
        ON CONFLICT ON CONSTRAINT membership_daily_unique DO UPDATE
        SET gained = d.gained + EXCLUDED.gained, lost = d.lost + EXCLUDED.lost, joined = d.joined + EXCLUDED.joined
    """


FUNCTION = f"""
CREATE OR REPLACE FUNCTION members_membershipdaily_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        {rollup_sql("old_events", sign=-1, time_zone=TZ)};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {rollup_sql("new_events", sign=1, time_zone=TZ)};
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGERS = """
CREATE TRIGGER membershipevent_daily_insert AFTER INSERT ON members_membershipevent
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION members_membershipdaily_apply();
CREATE TRIGGER membershipevent_daily_update AFTER UPDATE ON members_membershipevent
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION members_membershipdaily_apply();
CREATE TRIGGER membershipevent_daily_delete AFTER DELETE ON members_membershipevent
    REFERENCING OLD TABLE AS old_events FOR EACH STATEMENT EXECUTE FUNCTION members_membershipdaily_apply();
"""

DROP_TRIGGERS = """
DROP TRIGGER membershipevent_daily_insert ON members_membershipevent;
DROP TRIGGER membershipevent_daily_update ON members_membershipevent;
DROP TRIGGER membershipevent_daily_delete ON members_membershipevent;
"""


class Migration(migrations.Migration):
    dependencies = [("members", "0007_membership_daily_sums")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION members_membershipdaily_apply()"),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        # The history so far, in one grouped INSERT (a few seconds at a million members).
        migrations.RunSQL(rollup_sql("members_membershipevent", sign=1, time_zone=TZ), migrations.RunSQL.noop),
    ]
