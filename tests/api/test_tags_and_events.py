"""Tags and taggings, events and attendances, as the tags and events apps hold them."""

import json

import pytest

from api.models import ApiKey
from events.models import RSVP, Event
from members.models import MemberAccess
from tags.models import MemberTag, Tag
from tests.api.helpers import body, headers, make_key, person, signup
from tests.factories import make_event, make_member


@pytest.fixture
def tags(chapter_a, chapter_b):
    return {"national": Tag.objects.create(name="Volunteer"), "a": Tag.objects.create(name="Donor", chapter=chapter_a),
            "b": Tag.objects.create(name="Host", chapter=chapter_b)}  # fmt: skip


def test_signup_helper_adds_and_removes_the_tags_the_key_sees(client, coordinator_a, chapter_a, tags):
    _, token = make_key(coordinator_a, chapter_a, ApiKey.Scope.WRITE)
    data = signup(person("t@example.org"), add_tags=["volunteer", "DONOR", "Host", "nothing-like-it"])
    response = client.post("/api/people/", json.dumps(data), content_type="application/json", **headers(token))
    assert response.status_code == 200
    carried = set(MemberTag.objects.filter(member__user__email="t@example.org").values_list("tag__name", flat=True))
    assert carried == {"Volunteer", "Donor"}  # B's "Host" is not this key's to give; unknown names are ignored
    data = signup(person("t@example.org"), remove_tags=["Donor"])
    client.post("/api/people/", json.dumps(data), content_type="application/json", **headers(token))
    assert set(MemberTag.objects.filter(member__user__email="t@example.org").values_list("tag__name", flat=True)) == {
        "Volunteer"}  # fmt: skip


def test_tags_and_taggings_a_chapter_key_sees(client, coordinator_a, chapter_a, chapter_b, tags):
    mine, theirs = make_member("a@example.org", "29201"), make_member("b@example.org", "82001")
    for member in (mine, theirs):
        MemberTag.objects.create(member=member, tag=tags["national"])
    _, token = make_key(coordinator_a, chapter_a)
    names = [t["name"] for t in body(client.get("/api/tags/", **headers(token)))["_embedded"]["osdi:tags"]]
    assert sorted(names) == ["Donor", "Volunteer"]
    taggings = body(client.get(f"/api/tags/{tags['national'].pk}/taggings/", **headers(token)))
    people = [t["_links"]["osdi:person"]["href"] for t in taggings["_embedded"]["osdi:taggings"]]
    assert people == [f"http://testserver/api/people/{mine.pk}/"]
    assert client.get(f"/api/tags/{tags['b'].pk}/", **headers(token)).status_code == 404


def test_public_events_keep_private_places_private(client, chapter_a):
    make_event(chapter_a, title="Tabling", address="1 Main St, Columbia, SC")
    make_event(chapter_a, title="Online", online=True, online_link="https://meet.example.org/secret-room", address="")
    make_event(chapter_a, title="Members only", visibility=Event.Visibility.MEMBERS, address="9 Hidden Rd")
    make_event(chapter_a, title="Proposed", status=Event.Status.PROPOSED)
    response = client.get("/api/events/?per_page=100")
    assert response["Access-Control-Allow-Origin"] == "*"
    events = {e["title"]: e for e in body(response)["_embedded"]["osdi:events"]}
    assert {"Tabling", "Online"} <= set(events)  # with the national call the events app seeds
    assert "Members only" not in events
    assert "Proposed" not in events
    assert events["Tabling"]["location"]["address"] == "1 Main St, Columbia, SC"
    assert events["Tabling"]["status"] == "confirmed"
    text = response.content.decode()
    assert "secret-room" not in text
    assert "9 Hidden Rd" not in text


def test_attendances_for_the_events_chapter_key_only(client, coordinator_a, coordinator_b, chapter_a, chapter_b):
    event = make_event(chapter_a)
    occurrence = event.occurrences.first()
    member = make_member("going@example.org", "29201")
    RSVP.objects.create(occurrence=occurrence, user=member.user, email=member.user.email, attended=True)
    RSVP.objects.create(occurrence=occurrence, name="Visitor Vee", email="visitor@example.net",
                        status=RSVP.Status.WAITLISTED)  # fmt: skip
    _, token_a = make_key(coordinator_a, chapter_a)
    data = body(client.get(f"/api/events/{event.pk}/attendances/", **headers(token_a)))
    rows = {a["person"]["email_addresses"][0]["address"]: a for a in data["_embedded"]["osdi:attendances"]}
    assert (rows["going@example.org"]["status"], rows["going@example.org"]["attended"]) == ("accepted", True)
    assert rows["going@example.org"]["_links"]["osdi:person"]["href"].endswith(f"/api/people/{member.pk}/")
    assert rows["visitor@example.net"]["status"] == "tentative"
    assert "osdi:person" not in rows["visitor@example.net"]["_links"]
    assert MemberAccess.objects.filter(member=member, action="api").count() == 1
    _, token_b = make_key(coordinator_b, chapter_b)
    assert client.get(f"/api/events/{event.pk}/attendances/", **headers(token_b)).status_code == 404
