from django.contrib.admin.models import LogEntry

from coalition.audit import record


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
