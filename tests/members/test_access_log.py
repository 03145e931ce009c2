"""Who viewed or exported a member's record is logged, and the member sees it on their profile."""

import datetime
import json
from datetime import timedelta

from django.utils import timezone

from members.models import Member, MemberAccess, MemberExport, record_accesses
from tests.factories import SC_ZIP, WY_ZIP, make_member


def test_viewing_and_exporting_are_logged_and_shown_to_the_member(client, coordinator_a, chapter_a, chapter_b):
    mine = make_member("mine@example.net", SC_ZIP)
    other = make_member("other@example.net", WY_ZIP)

    client.force_login(coordinator_a)
    assert client.get(f"/admin/members/member/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/members/member/{other.pk}/change/").status_code in (302, 403, 404)  # not theirs
    response = client.get("/admin/members/member/export/")
    b"".join(response.streaming_content)

    assert [(a.action, a.actor_id) for a in record_accesses(mine)] == [
        ("exported", coordinator_a.pk), ("viewed", coordinator_a.pk),
    ]  # fmt: skip
    assert not record_accesses(other)
    # The export is one row naming its members; views are one row each.
    assert list(MemberAccess.objects.filter(member=mine).values_list("action", flat=True)) == ["viewed"]
    assert MemberExport.objects.values_list("member_ids", flat=True).get() == [mine.pk]

    client.force_login(mine.user)
    html = client.get("/profile/").content.decode()
    # By role and chapter, not by name: the coordinator's name is theirs to give.
    assert "a coordinator of South Carolina Consents downloaded a member list with your record" in html
    assert "a coordinator of South Carolina Consents opened your record" in html
    assert "Coordinator SC" not in html
    download = client.get("/profile/data/")
    data = json.loads(b"".join(download.streaming_content) if download.streaming else download.content)
    assert [a["action"] for a in data["record_accesses"]] == ["exported", "viewed"]
    # The download names them as the profile does.
    assert {a["by"] for a in data["record_accesses"]} == {"a coordinator of South Carolina Consents"}

    client.force_login(other.user)
    assert "No coordinator has opened or exported your record." in client.get("/profile/").content.decode()


def test_profile_shows_the_twenty_latest_views_and_exports_merged(
    client, coordinator_a, chapter_a, django_assert_max_num_queries
):
    mine = make_member("mine@example.net", SC_ZIP)
    start = timezone.now() - datetime.timedelta(days=100)
    for day in range(0, 30, 2):  # views on even days, exports on odd days, 30 entries in all
        MemberAccess.objects.create(member=mine, actor=coordinator_a, action="viewed", at=start + timedelta(days=day))
        export = MemberExport.objects.record(members=Member.objects.filter(pk=mine.pk), actor=coordinator_a)
        MemberExport.objects.filter(pk=export.pk).update(created_at=start + timedelta(days=day + 1))
    MemberExport.objects.record(members=Member.objects.filter(pk=-1), actor=coordinator_a)  # included nobody

    entries = record_accesses(mine, limit=20)
    assert [a.at for a in entries] == [start + timedelta(days=day) for day in range(29, 9, -1)]
    assert [a.action for a in entries[:2]] == ["exported", "viewed"]
    assert len(record_accesses(mine)) == 30

    client.force_login(mine.user)
    with django_assert_max_num_queries(12):
        html = client.get("/profile/").content.decode()
    assert html.count("<li>") - html.count("<li><a") >= 20
    assert html.count("downloaded a member list with your record") == 10
    download = client.get("/profile/data/")
    data = json.loads(b"".join(download.streaming_content) if download.streaming else download.content)
    assert len(data["record_accesses"]) == 30


def test_the_exports_of_a_member_are_found_through_an_index(coordinator_a, chapter_a):
    from django.db import connection, transaction

    mine = make_member("mine@example.net", SC_ZIP)
    # Many exports of many ids, analysed, so the planner has a choice to make.
    MemberExport.objects.bulk_create(
        MemberExport(actor=coordinator_a, rows=100, member_ids=list(range(10_000 + n * 100, 10_100 + n * 100)))
        for n in range(2000)
    )
    export = MemberExport.objects.record(members=Member.objects.filter(pk=mine.pk), actor=coordinator_a)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_memberexport")
    assert list(MemberExport.objects.including(mine)) == [export]
    # The profile's query never reads the lists of ids itself...
    assert "member_ids" not in MemberExport.objects.including(mine).order_by("-created_at")[:20].explain()
    # ...and the function it calls, planned under its own settings, can only read the GIN index.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT proconfig, prosrc FROM pg_proc WHERE proname = 'member_exports_including'")
        config, source = cursor.fetchone()
        for setting in config:
            name, value = setting.split("=")
            cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute("EXPLAIN " + source.replace("member]", f"{mine.pk}::bigint]"))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "member_export_members_idx" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_export_row_holds_no_ids_when_loaded_by_default(coordinator_a, chapter_a):
    mine = make_member("mine@example.net", SC_ZIP)
    export = MemberExport.objects.record(members=Member.objects.all(), actor=coordinator_a, filters="q=x")
    assert (export.rows, export.filters, export.actor_id) == (1, "q=x", coordinator_a.pk)
    loaded = MemberExport.objects.get(pk=export.pk)
    assert "member_ids" in loaded.get_deferred_fields()
    assert loaded.member_ids == [mine.pk]  # still there when asked for
    nobody = MemberExport.objects.record(members=Member.objects.none(), actor=coordinator_a)
    assert nobody.rows == 0
    assert MemberExport.objects.get(pk=nobody.pk).member_ids == []
