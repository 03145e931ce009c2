"""CallAttendance rows are events' RSVPs now (events 0002 copied them); the table goes.
Unapplied, the table comes back empty and events 0002's reverse fills it again."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0001_moved_from_coalition"),
        ("events", "0002_weekly_calls_to_events"),
    ]

    operations = [migrations.DeleteModel(name="CallAttendance")]
