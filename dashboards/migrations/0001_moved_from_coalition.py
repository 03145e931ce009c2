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
                    name="ReachSnapshot",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField(help_text="The day the figures were read.")),
                        (
                            "followers",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text="Followers of the page on that day, as the platform shows them.",
                                null=True,
                            ),
                        ),
                        (
                            "post_reach",
                            models.PositiveIntegerField(
                                blank=True,
                                help_text='Views or reach of a notable post, e.g. 30000 for "30,000 views".',
                                null=True,
                            ),
                        ),
                        ("post_url", models.URLField(blank=True, max_length=300, verbose_name="post address")),
                        (
                            "note",
                            models.CharField(
                                blank=True,
                                help_text="What the post was about, or where the figure came from.",
                                max_length=200,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "social_page",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reach_snapshots",
                                to="chapters.socialpage",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-date"],
                        "indexes": [models.Index(fields=["social_page", "date"], name="reach_page_date_idx")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("followers__isnull", False), ("post_reach__isnull", False), _connector="OR"
                                ),
                                name="reach_has_a_figure",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
