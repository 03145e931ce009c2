"""The question's answers, the calls' attendance and the reach ledger moved to their own apps.

The tables are renamed in place (no row is copied) and the models leave this app's state;
`question`, `calls` and `dashboards` take them over in their first migrations, which only
record the models in their state. Content types follow, so permissions and admin history
stay attached to the same rows.
"""

from django.db import migrations

MOVES = [
    # (model, old table, new app)
    ("answer", "coalition_answer", "question"),
    ("callattendance", "coalition_callattendance", "calls"),
    ("reachsnapshot", "coalition_reachsnapshot", "dashboards"),
]


def move_content_types(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, _, app in MOVES:
        if not ContentType.objects.filter(app_label=app, model=model).exists():
            ContentType.objects.filter(app_label="coalition", model=model).update(app_label=app)


def restore_content_types(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, _, app in MOVES:
        ContentType.objects.filter(app_label=app, model=model).update(app_label="coalition")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("coalition", "0003_admin_log_object_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {table} RENAME TO {app}_{model}",
                    reverse_sql=f"ALTER TABLE {app}_{model} RENAME TO {table}",
                )
                for model, table, app in MOVES
            ],
            state_operations=[
                migrations.DeleteModel(name="Answer"),
                migrations.DeleteModel(name="CallAttendance"),
                migrations.DeleteModel(name="ReachSnapshot"),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
