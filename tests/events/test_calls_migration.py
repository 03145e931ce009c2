"""events 0002: every weekly call becomes a recurring event and every CallAttendance an RSVP,
with nothing lost; unapplied, the attendance comes back as it was."""

import datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chapters.models import Chapter
from events.models import RSVP, Event

BEFORE = [("calls", "0001_moved_from_coalition"), ("events", "0001_events_occurrences_rsvps")]
TUESDAY, WEDNESDAY = datetime.date(2026, 12, 1), datetime.date(2026, 12, 2)


def attendance_rows(apps) -> set[tuple]:
    rows = apps.get_model("calls", "CallAttendance").objects.values_list("user_id", "call", "date", "created_at")
    return set(rows)


def test_calls_and_their_attendance_move_to_events_and_back(member, national, chapter_a):
    Chapter.objects.filter(pk=chapter_a.pk).update(
        call_weekday=2, call_time=datetime.time(20, 0), call_timezone="America/New_York"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Attendance = old.get_model("calls", "CallAttendance")
    Attendance.objects.create(user_id=member.pk, call="national", date=TUESDAY)
    Attendance.objects.create(user_id=national.pk, call="national", date=TUESDAY)
    Attendance.objects.create(user_id=member.pk, call="south-carolina", date=WEDNESDAY)
    Attendance.objects.create(user_id=member.pk, call="gone-chapter", date=TUESDAY)  # its chapter was deleted
    said_yes_at = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
    Attendance.objects.update(created_at=said_yes_at)
    before = attendance_rows(old)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    national_call = Event.objects.get(standing_call=True, chapter=None)
    assert national_call.recurrence == Event.Recurrence.WEEKLY
    start = national_call.occurrences.get(date=TUESDAY).starts_at.astimezone(national_call.zone)
    assert (start.hour, start.minute, str(start.tzinfo)) == (19, 30, "America/Chicago")
    assert set(RSVP.objects.filter(occurrence__event=national_call).values_list("user", flat=True)) == {
        member.pk, national.pk,
    }  # fmt: skip
    sc_call = Event.objects.get(standing_call=True, chapter=chapter_a)
    sc_rsvp = RSVP.objects.get(occurrence__event=sc_call)
    assert (sc_rsvp.user, sc_rsvp.occurrence.date, sc_rsvp.status) == (member, WEDNESDAY, RSVP.Status.GOING)
    assert sc_rsvp.email == member.email
    assert sc_rsvp.created_at == said_yes_at
    orphan = Event.objects.get(call_key="gone-chapter")
    assert orphan.status == Event.Status.CLOSED
    assert not orphan.standing_call
    assert RSVP.objects.filter(occurrence__event=orphan, user=member).exists()
    assert RSVP.objects.count() == 4

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    assert attendance_rows(old) == before
    assert not old.get_model("events", "Event").objects.exists()

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert RSVP.objects.count() == 4
