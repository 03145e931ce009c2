"""Action Network's webhooks received for a chapter: people created or updated, a repeated idempotency key ignored.

The payloads follow Action Network's published webhook documentation (actionnetwork.org/docs/webhooks:
the general principles, and the submission, attendance and upload payloads): a JSON array, each item
holding one object under its type's name with the activist under `person`, the sponsoring group
under `action_network:sponsor`, and an `idempotency_key`.
"""

import json

import pytest

from members.models import Member
from tests.factories import make_member
from tests.webhooks.helpers import subscribe
from webhooks.models import Delivery, Received, Receiver

SPONSOR = {"title": "South Carolina Consents", "url": "https://actionnetwork.org/groups/south-carolina-consents"}


def an_person(email: str, zip_code: str = "29201", given: str = "John", family: str = "Smith") -> dict:
    return {
        "given_name": given,
        "family_name": family,
        "email_addresses": [{"address": email, "primary": True, "status": "subscribed"}],
        "postal_addresses": [{"primary": True, "postal_code": zip_code, "country": "US"}],
        "custom_fields": {},
        "languages_spoken": ["en"],
    }


def submission(email: str, key: str, **person) -> dict:
    return {
        "osdi:submission": {
            "identifiers": ["action_network:d3a4b5c6-0000-4000-8000-000000000001"],
            "created_date": "2026-11-01T18:04:12Z",
            "modified_date": "2026-11-01T18:04:12Z",
            "person": an_person(email, **person),
            "add_tags": ["volunteer"],
            "action_network:referrer_data": {"source": "facebook", "referrer": "group-south-carolina-consents",
                                             "website": "www.facebook.com", "email_referrer": ""},
            "_links": {
                "self": {"href": "https://actionnetwork.org/api/v2/forms/f1/submissions/s1"},
                "osdi:form": {"href": "https://actionnetwork.org/api/v2/forms/f1"},
                "osdi:person": {"href": "https://actionnetwork.org/api/v2/people/p1"},
            },
        },
        "action_network:sponsor": SPONSOR,
        "idempotency_key": key,
    }  # fmt: skip


def attendance(email: str, key: str) -> dict:
    return {
        "osdi:attendance": {
            "identifiers": ["action_network:a1"],
            "created_date": "2026-11-02T10:00:00Z",
            "modified_date": "2026-11-02T10:00:00Z",
            "status": "accepted",
            "person": an_person(email, given="Ada", family="Byron"),
            "add_tags": [],
            "_links": {"osdi:event": {"href": "https://actionnetwork.org/api/v2/events/e1"},
                       "osdi:person": {"href": "https://actionnetwork.org/api/v2/people/p2"}},
        },
        "action_network:sponsor": SPONSOR,
        "idempotency_key": key,
    }  # fmt: skip


def upload(email: str, key: str) -> dict:
    return {
        "action_network:upload": {
            "created_date": "2026-11-03T09:00:00Z",
            "modified_date": "2026-11-03T09:00:00Z",
            "action_network:referrer_data": {},
            "person": an_person(email, given="Upton", family="Load"),
            "add_tags": [],
        },
        "action_network:sponsor": SPONSOR,
        "idempotency_key": key,
    }


@pytest.fixture
def receiver_a(chapter_a, coordinator_a) -> Receiver:
    return Receiver.objects.create(chapter=chapter_a, created_by=coordinator_a)


def post(client, receiver: Receiver, items) -> tuple[int, dict]:
    body = items if isinstance(items, (str, bytes)) else json.dumps(items)
    response = client.post(f"/webhooks/action-network/{receiver.token}/", body, content_type="application/json")
    return response.status_code, json.loads(response.content)


def test_a_submission_creates_the_person_in_the_chapter_with_the_consent_they_gave(client, receiver_a, chapter_a):
    status, answer = post(client, receiver_a, [submission("john@example.net", "key-1")])
    assert (status, answer["created"]) == (200, 1)
    member = Member.objects.select_related("user").get(user__email="john@example.net")
    assert (member.user.first_name, member.user.last_name, member.chapter) == ("John", "Smith", chapter_a)
    assert member.email_updates is True
    assert member.status == Member.Status.IMPORTED
    assert Received.objects.get().outcome == f"Created person {member.pk}."


def test_a_repeated_idempotency_key_is_ignored(client, receiver_a):
    post(client, receiver_a, [submission("john@example.net", "key-1")])
    # Sent again (Action Network retries), even with other data under the same key: nothing changes.
    status, answer = post(client, receiver_a, [submission("john@example.net", "key-1", given="Johnny")])
    assert status == 200
    assert answer == {"created": 0, "updated": 0, "repeated": 1, "skipped": 0, "refused": []}
    assert Member.objects.get(user__email="john@example.net").user.first_name == "John"
    assert Received.objects.count() == 1


def test_a_new_key_for_the_same_person_updates_them(client, receiver_a):
    post(client, receiver_a, [submission("john@example.net", "key-1")])
    status, answer = post(client, receiver_a, [submission("JOHN@example.net", "key-2", given="Johnny")])
    assert (status, answer["updated"]) == (200, 1)
    assert Member.objects.get().user.first_name == "Johnny", "never a second person for one address"


def test_several_payload_types_in_one_post(client, receiver_a):
    items = [attendance("ada@example.net", "k-a"), upload("upton@example.net", "k-u"),
             {"action_network:sponsor": SPONSOR, "idempotency_key": "k-none"}]  # fmt: skip
    status, answer = post(client, receiver_a, items)
    assert status == 200
    assert (answer["created"], answer["skipped"]) == (2, 1)
    assert set(Member.objects.values_list("user__email", flat=True)) == {"ada@example.net", "upton@example.net"}
    assert set(Received.objects.values_list("kind", flat=True)) == {"osdi:attendance", "action_network:upload",
                                                                    "unknown"}  # fmt: skip


def test_a_person_outside_the_chapter_is_refused_and_nothing_changes(client, receiver_a):
    status, answer = post(client, receiver_a, [submission("wy@example.net", "k-wy", zip_code="82001")])
    assert status == 200, "refusing again would not change: Action Network need not retry"
    [reason] = answer["refused"]
    assert "82001" in reason
    assert not Member.objects.exists()
    assert Received.objects.get().outcome.startswith("Refused:")


def test_someone_elses_chapter_member_is_not_touched(client, receiver_a, chapter_b):
    other = make_member("wy@example.net", "82001", first_name="Wyatt")
    status, answer = post(client, receiver_a, [submission("wy@example.net", "k-1", given="Hijacked")])
    assert answer["refused"]
    other.user.refresh_from_db()
    assert other.user.first_name == "Wyatt"


def test_bad_bodies_get_a_clear_answer_and_change_nothing(client, receiver_a):
    for body, message in [("not json", "not JSON"), ("[1, 2]", "array of objects"), ('"text"', "array of objects")]:
        status, answer = post(client, receiver_a, body)
        assert status == 400
        assert message in answer["error"]
    bad_person = submission("not-an-address", "k-bad")
    status, answer = post(client, receiver_a, [bad_person])
    assert status == 200
    assert "is not an email address" in answer["refused"][0]
    assert not Member.objects.exists()


def test_unknown_url_wrong_method_and_a_creator_who_no_longer_coordinates(client, receiver_a, coordinator_b):
    assert client.post("/webhooks/action-network/not-the-token/", "[]", content_type="application/json"
                       ).status_code == 404  # fmt: skip
    assert client.get(f"/webhooks/action-network/{receiver_a.token}/").status_code == 405
    receiver_a.created_by = coordinator_b  # as if its maker's term in A had ended
    receiver_a.save()
    status, answer = post(client, receiver_a, [submission("john@example.net", "key-1")])
    assert status == 403
    assert "no longer coordinates" in answer["error"]
    assert not Member.objects.exists()


def test_a_regenerated_url_replaces_the_old_one(client, receiver_a, coordinator_a):
    old = receiver_a.token
    client.force_login(coordinator_a)
    response = client.post("/admin/webhooks/receiver/", {"action": "regenerate_selected",
                                                         "_selected_action": [receiver_a.pk]})  # fmt: skip
    assert response.status_code == 302
    receiver_a.refresh_from_db()
    assert receiver_a.token != old
    client.logout()
    assert client.post(f"/webhooks/action-network/{old}/", "[]", content_type="application/json").status_code == 404
    assert post(client, receiver_a, [submission("john@example.net", "key-1")])[0] == 200


def test_people_received_are_announced_to_the_chapters_subscriptions(client, receiver_a, chapter_a, coordinator_a):
    subscription = subscribe(coordinator_a, chapter_a, "https://hooks.example.org/x")
    post(client, receiver_a, [submission("john@example.net", "key-1")])
    [delivery] = Delivery.objects.filter(subscription=subscription)
    assert delivery.payload["data"]["email_addresses"][0]["address"] == "john@example.net"
