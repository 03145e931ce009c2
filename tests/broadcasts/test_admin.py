"""The broadcast admin: scoped like members, a live count, a preview, the verbs, and the audit history."""

import pytest
from django.contrib.admin.models import LogEntry

from broadcasts.models import Broadcast

COUNT = "/admin/broadcasts/broadcast/count/"


def test_coordinator_writes_a_broadcast_to_their_chapter(as_role, people, chapter_a, chapter_b):
    client = as_role("coordinator_a")
    form = client.get("/admin/broadcasts/broadcast/add/").content.decode()
    assert "Everyone" not in form
    assert "Wyoming Consents" not in form
    response = client.post("/admin/broadcasts/broadcast/add/", {
        "subject": "Hello {{ first_name }}", "preview_text": "", "body": "Hi", "chapter": chapter_a.pk,
    })  # fmt: skip
    assert response.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.chapter == chapter_a
    assert LogEntry.objects.filter(object_id=str(broadcast.pk)).exists()


def test_a_crafted_post_cannot_write_to_another_chapter(as_role, people, chapter_b):
    client = as_role("coordinator_a")
    response = client.post("/admin/broadcasts/broadcast/add/", {"subject": "x", "body": "y", "chapter": chapter_b.pk})
    assert response.status_code == 200  # the form says the choice is not allowed
    assert not Broadcast.objects.exists()


def test_an_unknown_merge_field_is_refused_with_a_clear_message(as_role, people, chapter_a):
    client = as_role("coordinator_a")
    response = client.post("/admin/broadcasts/broadcast/add/",
                           {"subject": "Hi {{ password }}", "body": "y", "chapter": chapter_a.pk})  # fmt: skip
    assert response.status_code == 200
    assert "Unknown merge field: password" in response.content.decode()
    assert not Broadcast.objects.exists()


def test_the_live_count_follows_the_filters_within_the_viewers_scope(as_role, people, chapter_a, chapter_b):
    client = as_role("coordinator_a")
    assert client.get(COUNT, {"chapter": chapter_a.pk}).json()["count"] == 2
    assert client.get(COUNT, {"chapter": chapter_a.pk, "joined_after": "2999-01-01"}).json()["count"] == 0
    # Another chapter, "everyone", a state elsewhere: never counted beyond their own members.
    assert "error" in client.get(COUNT, {"chapter": chapter_b.pk}).json()
    hostile = client.get(COUNT, {"chapter": chapter_a.pk, "everyone": "on", "states": ["WY", "CA"]}).json()
    assert hostile.get("count", 0) <= 2
    assert "error" in client.get(COUNT, {"chapter": chapter_a.pk, "joined_after": "not a date"}).json()


def test_national_counts_everyone_who_agreed(as_role, people):
    assert as_role("national").get(COUNT, {"everyone": "on"}).json()["count"] == 4


def test_the_change_page_and_preview_show_the_broadcast_as_a_recipient_sees_it(
    as_role, people, broadcast_a, django_assert_max_num_queries
):
    client = as_role("coordinator_a")
    with django_assert_max_num_queries(40):
        page = client.get(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/change/")
    assert page.status_code == 200
    assert "broadcast-live-count" in page.content.decode()
    with django_assert_max_num_queries(25):
        preview = client.get(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/preview/")
    html = preview.content.decode()
    assert "Hi <strong>Ann</strong> of South Carolina Consents" in html  # the first member of the audience
    assert "Hello Ann" in html


def test_progress_is_json_of_counts_by_state(as_role, people, broadcast_a):
    data = as_role("coordinator_a").get(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/progress/").json()
    assert data["state"] == "draft"
    assert set(data["counts"]) >= {"queued", "sent", "failed", "bounced", "unsubscribed"}


def test_another_chapters_broadcast_is_not_found(as_role, people, broadcast_a):
    client = as_role("coordinator_b")
    for view in ("change", "progress", "preview"):
        assert client.get(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/{view}/").status_code == 404
    assert client.post(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/act/send/").status_code == 404
    assert Broadcast.objects.get(pk=broadcast_a.pk).state == "draft"


@pytest.mark.parametrize("verb", ["explode", "pause", "resume"])
def test_a_verb_that_does_not_apply_changes_nothing_and_says_why(as_role, people, broadcast_a, verb):
    response = as_role("coordinator_a").post(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/act/{verb}/", follow=True)
    assert response.status_code == 200
    assert Broadcast.objects.get(pk=broadcast_a.pk).state == "draft"
    assert "cannot be" in response.content.decode() or "Unknown action" in response.content.decode()


def test_scheduling_needs_a_future_time(as_role, people, broadcast_a):
    client = as_role("coordinator_a")
    url = f"/admin/broadcasts/broadcast/{broadcast_a.pk}/act/schedule/"
    assert "in the future" in client.post(url, {"send_at": "2000-01-01T10:00"}, follow=True).content.decode()
    client.post(url, {"send_at": "2999-01-01T10:00"})
    broadcast_a.refresh_from_db()
    assert broadcast_a.state == "scheduled"
    client.post(f"/admin/broadcasts/broadcast/{broadcast_a.pk}/act/cancel/")
    assert Broadcast.objects.get(pk=broadcast_a.pk).state == "cancelled"


def test_a_broadcast_out_of_draft_is_shown_read_only_and_a_post_changes_nothing(as_role, people, broadcast_a):
    Broadcast.objects.filter(pk=broadcast_a.pk).update(state="sent", definition={"statuses": ["active"]})
    client = as_role("coordinator_a")
    url = f"/admin/broadcasts/broadcast/{broadcast_a.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="subject"' not in page.content.decode()
    client.post(url, {"subject": "Changed", "body": "Changed", "everyone": "on"})
    broadcast_a.refresh_from_db()
    assert (broadcast_a.subject, broadcast_a.definition) == ("Hello {{ first_name }}", {"statuses": ["active"]})
