"""The model that moved here from the `coalition` app: its table was renamed there
(coalition 0004), so this migration only records it in the state."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("coalition", "0004_models_moved_to_feature_apps"),
        ("chapters", "0006_chapter_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Answer",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "choice",
                            models.CharField(
                                choices=[("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")], max_length=10
                            ),
                        ),
                        (
                            "visitor",
                            models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "state",
                            models.ForeignKey(
                                blank=True,
                                help_text="Where the person answered from; empty when they did not say.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="answers",
                                to="chapters.state",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="answer",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "indexes": [models.Index(fields=["state", "choice"], name="answer_results_idx")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("user__isnull", False), ("visitor__isnull", False), _negated=True),
                                name="answer_member_or_visitor_not_both",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
