"""Daily sums of the membership history, kept by triggers on the event table, filled from it once.

One statement-level trigger per operation, with transition tables: a statement inserting
100,000 events (the roster import, seed_scale) upserts its sums in one grouped INSERT,
a signup's single event in one small one. An update (a chapter deleted nulls its events'
chapters; the admin) takes the old rows away and adds the new ones. The day is computed
in TIME_ZONE as Django's TruncDate does, so the figures equal those computed from events.
"""

from django.conf import settings
from django.db import migrations

from members.models import rollup_sql

TZ = settings.TIME_ZONE

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
