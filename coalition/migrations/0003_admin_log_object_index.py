"""An index for the history of one object: the admin's History page, edit conflicts, account deletion.

Django's LogEntry has none on (content_type, object_id); with a history entry for every change
to a million members, each lookup would read the whole table.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("coalition", "0002_reach_snapshots"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS admin_log_object_idx "
            "ON django_admin_log (content_type_id, object_id, action_time)",
            reverse_sql="DROP INDEX IF EXISTS admin_log_object_idx",
        ),
    ]
