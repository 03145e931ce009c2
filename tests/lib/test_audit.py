from django.contrib.admin.models import LogEntry

from lib.audit import record


def test_record_writes_history_for_each_object_with_actor(chapter_a, chapter_b, national):
    record(national, [chapter_a, chapter_b], "Status changed by an action.")
    entries = LogEntry.objects.filter(change_message="Status changed by an action.")
    assert {e.object_id for e in entries} == {str(chapter_a.pk), str(chapter_b.pk)}
    assert {e.user_id for e in entries} == {national.pk}


def test_record_without_actor_is_attributed_to_the_system(chapter_a):
    record(None, chapter_a, "Imported.")
    entry = LogEntry.objects.get(change_message="Imported.")
    assert entry.user.email == "system@coalition.invalid"
    assert not entry.user.is_active


def test_the_history_of_one_object_is_read_through_an_index(chapter_a, national):
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    record(national, chapter_a, "Renamed")
    # Many objects of the same type, as in a real log, so the planner has a choice to make.
    chapter_type = ContentType.objects.get_for_model(chapter_a)
    LogEntry.objects.bulk_create(
        LogEntry(user=national, content_type=chapter_type, object_id=str(10_000 + n), object_repr="x", action_flag=2)
        for n in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE django_admin_log")
    history = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(chapter_a), object_id=str(chapter_a.pk)
    ).order_by("-action_time")[:1]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a small test table: ask what a large one would use
    assert "admin_log_object_idx" in history.explain()
