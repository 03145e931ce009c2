"""Migration 0011: the per-member "exported" access rows move onto their MemberExport row."""

from datetime import timedelta

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from members.models import MemberAccess, MemberExport, record_accesses
from tests.factories import SC_ZIP, make_member

BEFORE = [("members", "0009_member_chapter_newest_index")]
AFTER = [("members", "0011_export_access_log_moved_to_exports")]


def test_exported_rows_move_onto_the_export_written_after_them(coordinator_a, national, chapter_a):
    ann, bob = make_member("ann@example.net", SC_ZIP), make_member("bob@example.net", SC_ZIP)
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit; the migrations alter tables, which pending checks forbid.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Access, Export = old.get_model("members", "MemberAccess"), old.get_model("members", "MemberExport")
    t = timezone.now() - timedelta(days=10)

    def export(actor, at, *members):
        Access.objects.bulk_create(
            Access(member_id=m.pk, actor_id=actor.pk if actor else None, action="exported", at=at) for m in members
        )
        return Export.objects.create(
            actor_id=actor.pk if actor else None, created_at=at + timedelta(seconds=1), rows=len(members)
        )

    first = export(coordinator_a, t, ann, bob)
    second = export(coordinator_a, t + timedelta(days=1), bob)
    other = export(national, t + timedelta(hours=1), ann)  # another actor's, in between
    Access.objects.create(member_id=ann.pk, actor_id=national.pk, action="viewed", at=t + timedelta(days=2))
    # Rows no export row follows (written without one): an export row is made for them.
    Access.objects.create(member_id=bob.pk, actor_id=national.pk, action="exported", at=t + timedelta(days=3))

    executor.loader.build_graph()
    executor.migrate(AFTER)

    ids = dict(MemberExport.objects.values_list("pk", "member_ids"))
    assert sorted(ids[first.pk]) == sorted([ann.pk, bob.pk])
    assert ids[second.pk] == [bob.pk]
    assert ids[other.pk] == [ann.pk]
    made = MemberExport.objects.exclude(pk__in=[first.pk, second.pk, other.pk]).get()
    assert (made.actor, made.rows, ids[made.pk]) == (national, 1, [bob.pk])
    assert list(MemberAccess.objects.values_list("action", flat=True)) == ["viewed"]
    assert [(a.action, a.actor) for a in record_accesses(ann)] == [
        ("viewed", national), ("exported", national), ("exported", coordinator_a),
    ]  # fmt: skip
    assert [a.actor for a in record_accesses(bob)] == [national, coordinator_a, coordinator_a]
