"""coalition 0004: a database migrated on the old layout keeps its answers, attendance and reach
figures when the models move to the question, calls and dashboards apps, and their content types
(so permissions and admin history) follow them."""

import datetime

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from chapters.models import SocialPage
from dashboards.models import ReachSnapshot
from events.models import RSVP
from question.models import Answer

BEFORE = [("coalition", "0003_admin_log_object_index")]


def test_rows_content_types_and_history_survive_the_move(member, chapter_a, national):
    page = SocialPage.objects.create(chapter=chapter_a, platform="facebook", url="https://fb.example/sc")
    with connection.cursor() as cursor:
        # Foreign keys are checked at commit; the migrations alter tables, which pending checks forbid.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old_answer = old.get_model("coalition", "Answer").objects.create(choice="yes", state_id="SC", user_id=member.pk)
    old.get_model("coalition", "CallAttendance").objects.create(
        user_id=member.pk, call="national", date=datetime.date(2026, 12, 1)
    )
    old.get_model("coalition", "ReachSnapshot").objects.create(
        social_page_id=page.pk, date=datetime.date(2026, 11, 1), followers=1200
    )
    reach_type = ContentType.objects.get(app_label="coalition", model="reachsnapshot")
    LogEntry.objects.create(user=national, content_type=reach_type, object_id="1", object_repr="x", action_flag=CHANGE)
    can_view = Permission.objects.get(content_type=reach_type, codename="view_reachsnapshot")
    group = Group.objects.create(name="Reach readers")
    group.permissions.add(can_view)

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Answer.objects.get(pk=old_answer.pk).user == member
    # Moved again since, by events 0002: the attendance is an RSVP to that date of the national call.
    assert (
        RSVP.objects.get(occurrence__date=datetime.date(2026, 12, 1), occurrence__event__call_key="national").user
        == member
    )
    assert ReachSnapshot.objects.get().followers == 1200
    moved = ContentType.objects.get_for_model(ReachSnapshot)
    assert moved.app_label == "dashboards"
    assert not ContentType.objects.filter(app_label="coalition").exists()
    assert LogEntry.objects.get(object_repr="x").content_type == moved
    assert group.permissions.get().content_type == moved
