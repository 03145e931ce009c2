"""The review and merge pages: a coordinator sees and merges only their chapters' people."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from duplicates.models import DismissedPair
from members.models import Member, User
from tests.factories import make_member

REVIEW = "/admin/duplicates/dismissedpair/review/"


def merge_url(a: Member, b: Member) -> str:
    return reverse("admin:duplicates_dismissedpair_merge", args=[a.pk, b.pk])


@pytest.fixture
def twins_b(chapter_b):
    return (
        make_member("wy.one@example.org", "82001", first_name="Dale", last_name="Kerr", phone="+13075550123"),
        make_member("wy.two@example.org", "82001", first_name="Dale", last_name="Kerr", phone="+13075550123"),
    )


def test_coordinator_reviews_their_chapters_pairs_only(as_role, twins, twins_b, django_assert_max_num_queries):
    client = as_role("coordinator_a")
    with django_assert_max_num_queries(30):
        response = client.get(REVIEW)
    body = response.content.decode()
    assert response.status_code == 200
    assert "pat.doe@example.org" in body
    assert "patricia.doe@example.net" in body
    assert "Same phone number (+18035550101)" in body
    assert "wy.one@example.org" not in body
    # Asking for chapter B by the URL shows their own chapters' pairs, not B's.
    body = client.get(REVIEW, {"chapter": twins_b[0].chapter_id}).content.decode()
    assert "wy.one@example.org" not in body
    assert "pat.doe@example.org" in body


def test_national_coordinator_picks_a_chapter(as_role, twins, twins_b):
    client = as_role("national")
    assert "pat.doe@example.org" not in client.get(REVIEW).content.decode()
    body = client.get(REVIEW, {"chapter": twins_b[0].chapter_id}).content.decode()
    assert "wy.one@example.org" in body
    assert "pat.doe@example.org" not in body


@pytest.mark.parametrize("page", ["0", "-3", "x", "9999"])
def test_odd_page_numbers_show_a_page(as_role, twins, page):
    response = as_role("coordinator_a").get(REVIEW, {"page": page, "chapter": "nonsense"})
    assert response.status_code == 200
    assert "pat.doe@example.org" in response.content.decode()


def test_dismissing_a_pair_is_remembered(as_role, twins, coordinator_a):
    client = as_role("coordinator_a")
    response = client.post(reverse("admin:duplicates_dismissedpair_dismiss"), {"a": twins[1].pk, "b": twins[0].pk,
                                                                               "next": REVIEW})  # fmt: skip
    assert response.status_code == 302
    pair = DismissedPair.objects.get()
    assert (pair.low, pair.high, pair.dismissed_by) == (twins[0], twins[1], coordinator_a)
    assert "pat.doe@example.org" not in client.get(REVIEW).content.decode()
    assert LogEntry.objects.filter(object_id=str(pair.pk), change_message__contains="Dismissed").exists()
    # Undone from the dismissed pairs' list: suggested again.
    client.post(reverse("admin:duplicates_dismissedpair_delete", args=[pair.pk]), {"post": "yes"})
    assert not DismissedPair.objects.exists()
    assert "pat.doe@example.org" in client.get(REVIEW).content.decode()


def test_coordinator_cannot_dismiss_or_merge_another_chapters_people(as_role, twins, twins_b):
    client = as_role("coordinator_a")
    a, b = twins_b
    assert client.post(reverse("admin:duplicates_dismissedpair_dismiss"), {"a": a.pk, "b": b.pk}).status_code == 404
    assert client.get(merge_url(a, b)).status_code == 404
    response = client.post(merge_url(a, b), {"keep": a.pk, "confirm": "1"})
    assert response.status_code == 404
    # One of theirs and one of B's: still not theirs.
    assert client.get(merge_url(twins[0], a)).status_code == 404
    response = client.post(merge_url(twins[0], a), {"keep": twins[0].pk, "confirm": "1"})
    assert response.status_code == 404
    assert Member.objects.filter(pk__in=[a.pk, b.pk, twins[0].pk]).count() == 3
    assert not DismissedPair.objects.exists()


@pytest.mark.parametrize("data", [{"a": "x", "b": "1"}, {}, {"a": "1", "b": "1"}])
def test_a_malformed_dismissal_is_a_404(as_role, twins, data):
    assert as_role("coordinator_a").post(reverse("admin:duplicates_dismissedpair_dismiss"), data).status_code == 404
    assert not DismissedPair.objects.exists()


def test_merge_preview_shows_what_is_dropped_then_merges(as_role, twins, django_assert_max_num_queries):
    online, roster = twins
    client = as_role("coordinator_a")
    with django_assert_max_num_queries(40):
        page = client.get(merge_url(online, roster))
    assert page.status_code == 200
    assert "Patricia" in page.content.decode()
    choices = {"keep": online.pk, "first_name": "b", "last_name": "a", "email": "a", "zip_code": "a",
               "email_updates": "a", "text_messages": "a", "show_name_publicly": "a"}  # fmt: skip
    choices = {k: v for k, v in choices.items() if k in page.context["form"].fields}
    with django_assert_max_num_queries(60):
        preview = client.post(merge_url(online, roster), {**choices, "preview": "1"})
    body = preview.content.decode()
    assert "Values that will be dropped" in body
    assert "First name: Pat" in body
    assert Member.objects.filter(pk=roster.pk).exists()  # a preview changes nothing
    signature = preview.context["signature"]
    response = client.post(merge_url(online, roster), {**choices, "previewed": signature, "confirm": "1"})
    assert response.status_code == 302
    assert not Member.objects.filter(pk=roster.pk).exists()
    assert User.objects.get(pk=online.user_id).first_name == "Patricia"


def test_a_merge_with_choices_other_than_previewed_is_previewed_again(as_role, twins):
    online, roster = twins
    client = as_role("coordinator_a")
    data = {"keep": online.pk, "first_name": "a", "email": "a", "email_updates": "a"}
    preview = client.post(merge_url(online, roster), {**data, "preview": "1"})
    response = client.post(merge_url(online, roster), {**data, "first_name": "b", "confirm": "1",
                                                        "previewed": preview.context["signature"]})  # fmt: skip
    assert response.status_code == 200
    assert "The choices changed since the last preview" in response.content.decode()
    assert Member.objects.filter(pk=roster.pk).exists()


def test_bad_merge_input_is_a_clear_message_and_changes_nothing(as_role, twins):
    online, roster = twins
    response = as_role("coordinator_a").post(merge_url(online, roster), {"keep": "999", "first_name": "z",
                                                                         "confirm": "1"})  # fmt: skip
    assert response.status_code == 200
    assert "Please choose a value" in response.content.decode()
    assert Member.objects.filter(pk__in=[online.pk, roster.pk]).count() == 2


def test_a_staff_account_is_refused_with_a_message(as_role, twins, coordinator_a):
    online, _ = twins
    coordinator = Member.objects.filter(user=coordinator_a).first() or make_member(
        "staffer@example.org", "29201", first_name="Pat", last_name="Doe"
    )
    User.objects.filter(pk=coordinator.user_id).update(is_staff=True)
    response = as_role("coordinator_a").get(merge_url(online, coordinator))
    assert "staff accounts are not merged" in response.content.decode()


def test_roster_preview_flags_people_who_may_already_be_members(as_role, twins):
    import io

    client = as_role("coordinator_a")
    csv_text = ("email,first name,last name,zip,phone\n"
                "p.doe@example.com,Patricia,Doe,29201,\n"
                "someone.else@example.com,Quinn,Marsh,29401,803-555-0101\n"
                "stranger@example.com,Robin,Vale,29401,\n")  # fmt: skip
    upload = io.BytesIO(csv_text.encode())
    upload.name = "roster.csv"
    response = client.post(reverse("admin:members_member_import"),
                           {"chapter": twins[0].chapter_id, "file": upload, "mode": "all"})  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    notes = response.context["result"].notes
    assert {note.line for note in notes} == {2, 3}
    assert "same name and ZIP code" in body
    assert "same phone number" in body
    assert "stranger@example.com" not in {note.email for note in notes}


def test_the_ranking_is_kept_and_looked_at_again_on_request(as_role, twins, django_assert_max_num_queries):
    client = as_role("coordinator_a")
    assert "pat.doe@example.org" in client.get(REVIEW).content.decode()
    later = (
        make_member("sam.roe@example.org", "29201", first_name="Sam", last_name="Roe", phone="+18035550177"),
        make_member("samuel.roe@example.net", "29201", first_name="Samuel", last_name="Roe", phone="+18035550177"),
    )
    with django_assert_max_num_queries(30):  # the kept ranking: no scan
        body = client.get(REVIEW).content.decode()
    assert "pat.doe@example.org" in body
    assert "sam.roe@example.org" not in body, "people who joined since wait for the next look"
    assert "Look again now" in body
    body = client.get(REVIEW, {"rescan": "1"}).content.decode()
    assert "sam.roe@example.org" in body
    assert later[1].user.email in body


def test_a_kept_ranking_never_shows_someone_who_left_the_chapters(as_role, twins, chapter_b):
    client = as_role("coordinator_a")
    assert "pat.doe@example.org" in client.get(REVIEW).content.decode()
    Member.objects.filter(pk=twins[0].pk).update(chapter=chapter_b)  # moved after the look
    body = client.get(REVIEW).content.decode()
    assert "pat.doe@example.org" not in body
    assert "patricia.doe@example.net" not in body
    assert "No possible duplicates found." in body
