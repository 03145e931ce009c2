"""Saved segments in the admin: scoped, evaluated when used, a filter and a CSV export of the members list."""

import csv
import io

import pytest
from django.contrib.admin.models import ADDITION, LogEntry

from members.models import MemberExport
from segments.models import Segment
from tags.models import MemberTag, Tag
from tests.factories import CA_ZIP, SC_ZIP, WY_ZIP, make_member


@pytest.fixture
def people(chapter_a, chapter_b):
    volunteer = Tag.objects.create(name="volunteer")
    people = {
        "ann": make_member("ann@example.net", SC_ZIP, email_updates=True),
        "amy": make_member("amy@example.net", "29401"),
        "bob": make_member("bob@example.net", WY_ZIP, email_updates=True),
        "cal": make_member("cal@example.net", CA_ZIP, email_updates=True),
    }
    MemberTag.objects.bulk_create([MemberTag(member=m, tag=volunteer) for m in people.values()])
    people["volunteer"] = volunteer
    return people


def body(response) -> str:
    return (b"".join(response.streaming_content) if response.streaming else response.content).decode()


def test_coordinator_saves_a_segment_of_their_chapter(as_role, people, chapter_a, coordinator_a):
    client = as_role("coordinator_a")
    form = client.get("/admin/segments/segment/add/").content.decode()
    assert "Everyone" not in form  # national coordinators only
    assert "Wyoming" not in form
    response = client.post("/admin/segments/segment/add/", {
        "name": "Volunteers who want mail", "chapter": chapter_a.pk, "tags_any": [people["volunteer"].pk],
        "consents": ["email_updates"],
    })  # fmt: skip
    assert response.status_code == 302, body(response)[:3000]
    segment = Segment.objects.get()
    assert segment.owner == coordinator_a
    assert segment.definition == {"consents": ["email_updates"], "tags_any": [people["volunteer"].pk]}
    assert LogEntry.objects.filter(object_id=str(segment.pk), action_flag=ADDITION).exists()
    page = body(client.get(f"/admin/segments/segment/{segment.pk}/change/"))
    assert "Members with" not in page
    assert "agreed to email updates, tagged volunteer" in page


@pytest.mark.parametrize("chapter", ["", "b"])
def test_coordinator_cannot_save_a_national_or_another_chapters_segment(as_role, people, chapter, chapter_b):
    response = as_role("coordinator_a").post(
        "/admin/segments/segment/add/", {"name": "Sneaky", "chapter": chapter_b.pk if chapter else ""}
    )
    assert response.status_code == 200
    assert "errorlist" in body(response)
    assert not Segment.objects.exists()


def test_forged_filters_are_refused_with_a_message(as_role, people, chapter_a, chapter_b):
    b_tag = Tag.objects.create(name="b-only", chapter=chapter_b)
    for forged in ({"chapters": [chapter_b.pk]}, {"states": ["WY"]}, {"tags_any": [b_tag.pk]}, {"everyone": "on"},
                   {"counties": "56021"}, {"joined_after": "yesterday"}):  # fmt: skip
        response = as_role("coordinator_a").post(
            "/admin/segments/segment/add/", {"name": "Forged", "chapter": chapter_a.pk, **forged}
        )
        if "everyone" in forged:  # not a field for them: ignored, the segment is their chapter's
            assert Segment.objects.get().definition == {}
            Segment.objects.all().delete()
            continue
        assert response.status_code == 200, forged
        assert "errorlist" in body(response), forged
        assert not Segment.objects.exists()


def test_hostile_definition_holds_only_the_chapters_members(as_role, people, chapter_a, chapter_b, coordinator_a,
                                                            national):  # fmt: skip
    hostile = {"everyone": True, "chapters": [chapter_b.pk, 424242], "states": ["WY", "CA"], "no_chapter": True,
               "tags_any": [people["volunteer"].pk, 999999]}  # fmt: skip
    segment = Segment.objects.create(name="Hostile", chapter=chapter_a, definition=hostile)
    for viewer in (coordinator_a, national):
        assert set(segment.members(viewer).values_list("user__email", flat=True)) == {
            "ann@example.net", "amy@example.net"
        }  # fmt: skip
    segment.definition = {k: v for k, v in hostile.items() if k != "everyone"}
    segment.save()
    assert not segment.members(coordinator_a).exists()  # B, Wyoming, California: none of theirs
    # Through the pages too: the list, the export, and the count.
    client = as_role("coordinator_a")
    listing = body(client.get("/admin/members/member/", {"segment": segment.pk}))
    assert "bob@example.net" not in listing
    assert "cal@example.net" not in listing
    export = body(client.get("/admin/members/member/export/", {"segment": segment.pk}))
    assert export.count("\n") == 1  # the header only


def test_segment_is_evaluated_when_used(as_role, people, chapter_a):
    segment = Segment.objects.create(name="Volunteers", chapter=chapter_a,
                                     definition={"tags_any": [people["volunteer"].pk]})  # fmt: skip
    client = as_role("coordinator_a")
    assert '<div class="readonly">2</div>' in body(client.get(f"/admin/segments/segment/{segment.pk}/change/"))
    newcomer = make_member("new@example.net", SC_ZIP)
    MemberTag.objects.create(member=newcomer, tag=people["volunteer"])
    assert '<div class="readonly">3</div>' in body(client.get(f"/admin/segments/segment/{segment.pk}/change/"))


def test_in_segment_filter_and_export_with_access_log(as_role, people, chapter_a, coordinator_a,
                                                     django_assert_max_num_queries):  # fmt: skip
    segment = Segment.objects.create(name="Mail", chapter=chapter_a, definition={"consents": ["email_updates"]})
    client = as_role("coordinator_a")
    with django_assert_max_num_queries(14):
        listing = body(client.get("/admin/members/member/", {"segment": segment.pk}))
    assert "ann@example.net" in listing
    assert "amy@example.net" not in listing
    with django_assert_max_num_queries(20):  # as the export without a segment (tests/members/test_admin.py)
        rows = list(csv.DictReader(io.StringIO(body(client.get("/admin/members/member/export/",
                                                                {"segment": segment.pk})))))  # fmt: skip
    assert [row["email"] for row in rows] == ["ann@example.net"]
    export = MemberExport.objects.get()
    assert (export.actor, export.rows, export.member_ids) == (coordinator_a, 1, [people["ann"].pk])
    assert f"segment={segment.pk}" in export.filters


def test_another_chapters_segment_selects_nobody(as_role, people, chapter_b):
    segment_b = Segment.objects.create(name="B's", chapter=chapter_b, definition={})
    client = as_role("coordinator_a")
    listing = body(client.get("/admin/members/member/", {"segment": segment_b.pk}))
    assert "ann@example.net" not in listing
    assert "bob@example.net" not in listing
    for bad in ("abc", "99999999999999999999"):
        assert client.get("/admin/members/member/", {"segment": bad}).status_code == 200
    assert client.get(f"/admin/segments/segment/{segment_b.pk}/change/").status_code == 404


def test_national_segment_and_a_broken_definition(as_role, people, national):
    segment = Segment.objects.create(name="Everyone", definition={"everyone": True})
    broken = Segment.objects.create(name="Broken", definition={"colour": "red"})
    client = as_role("national")
    assert '<div class="readonly">4</div>' in body(client.get(f"/admin/segments/segment/{segment.pk}/change/"))
    page = client.get(f"/admin/segments/segment/{broken.pk}/change/")
    assert page.status_code == 200
    assert "no longer reads" in body(page)
    assert client.get("/admin/members/member/", {"segment": broken.pk}).status_code == 200


@pytest.mark.parametrize("role", ["national", "coordinator_a"])
def test_segment_pages_queries_are_bounded(as_role, people, chapter_a, role, django_assert_max_num_queries):
    for i in range(5):
        Segment.objects.create(name=f"S{i}", chapter=chapter_a, definition={"tags_all": [people["volunteer"].pk]})
    segment = Segment.objects.first()
    client = as_role(role)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/segments/segment/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(f"/admin/segments/segment/{segment.pk}/change/").status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get("/admin/segments/segment/add/").status_code == 200
