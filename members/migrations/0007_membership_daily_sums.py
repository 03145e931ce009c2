"""The daily sums of the membership history (filled and kept by 0008's triggers)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0005_role_groups_and_territory_words"),
        ("members", "0006_member_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="MembershipDaily",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(help_text="The day in TIME_ZONE, as TruncDate gives it.")),
                (
                    "gained",
                    models.IntegerField(default=0, help_text="Events into this chapter/state: joins and moves in."),
                ),
                (
                    "lost",
                    models.IntegerField(
                        default=0, help_text="Events out of this chapter/state: departures and moves out."
                    ),
                ),
                ("joined", models.IntegerField(default=0, help_text="Of the gained, the joins.")),
                (
                    "chapter",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="chapters.chapter",
                    ),
                ),
                (
                    "state",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="chapters.state",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "membership daily sums",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "chapter", "state"), name="membership_daily_unique", nulls_distinct=False
                    )
                ],
            },
        ),
    ]
