"""The model that moved here from the `coalition` app: its table was renamed there
(coalition 0004), so this migration only records it in the state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("coalition", "0004_models_moved_to_feature_apps"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CallAttendance",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("call", models.CharField(help_text='"national" or the chapter\'s slug.', max_length=100)),
                        (
                            "date",
                            models.DateField(help_text="The date of the occurrence, in the call's own time zone."),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="call_attendances",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "indexes": [models.Index(fields=["call", "date"], name="call_attendance_count_idx")],
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "call", "date"), name="call_attendance_once")
                        ],
                    },
                ),
            ],
        ),
    ]
