"""The person signup helper: create or update by email, placed by ZIP as the join form places them."""

import json

import pytest
from django.contrib.admin.models import LogEntry

from api.models import ApiKey
from chapters.models import County, ZipCode
from members.models import ConsentRecord, Member, MembershipEvent, User
from tests.api.helpers import body, headers, make_key, person, signup
from tests.factories import make_member


@pytest.fixture
def writer(coordinator_a, chapter_a):
    return make_key(coordinator_a, chapter_a, ApiKey.Scope.WRITE, name="Action Network")[1]


def post(client, token, data):
    return client.post("/api/people/", json.dumps(data), content_type="application/json", **headers(token))


def test_signup_creates_a_member_in_the_chapter_of_their_zip_with_no_password(client, writer, chapter_a):
    data = signup(person("New@Example.org", phone_numbers=[{"number": "(803) 555-0142", "status": "subscribed"}],
                         email_addresses=[{"address": "New@Example.org", "status": "subscribed"}]))  # fmt: skip
    response = post(client, writer, data)
    assert response.status_code == 200, response.content
    answer = body(response)
    member = Member.objects.select_related("user").get(user__email="new@example.org")
    assert answer["identifiers"] == [f"coalition:{member.pk}"]
    assert answer["custom_fields"]["chapter"] == "South Carolina Consents"
    assert (member.chapter, member.county.name, member.status) == (chapter_a, "Richland County", "imported")
    assert not member.user.has_usable_password()
    assert (member.email_updates, member.text_messages, str(member.phone)) == (True, True, "+18035550142")
    assert set(ConsentRecord.objects.filter(member=member).values_list("topic", "source")) == {
        ("email_updates", "api"), ("text_messages", "api")}  # fmt: skip
    assert MembershipEvent.objects.filter(member=member, kind="joined", source="api", to_chapter=chapter_a).count() == 1
    assert LogEntry.objects.filter(object_id=str(member.pk), change_message__contains="Action Network").exists()


def test_consent_is_never_assumed(client, writer):
    assert post(client, writer, signup(person("quiet@example.org"))).status_code == 200
    member = Member.objects.get(user__email="quiet@example.org")
    assert (member.email_updates, member.text_messages) == (False, False)
    assert not ConsentRecord.objects.filter(member=member).exists()


def test_signup_with_a_known_email_updates_that_person_and_never_duplicates(client, writer):
    existing = make_member("ann@example.org", "29201", first_name="Ann", last_name="Old")
    data = signup(person("ANN@example.org", family_name="New", zip_code="29401",
                         email_addresses=[{"address": "ANN@example.org", "status": "subscribed"}]))  # fmt: skip
    for _ in range(2):
        response = post(client, writer, data)
        assert response.status_code == 200, response.content
    assert User.objects.filter(email__iexact="ann@example.org").count() == 1
    existing.refresh_from_db()
    existing.user.refresh_from_db()
    assert (existing.user.last_name, existing.zip_code_id, existing.email_updates) == ("New", "29401", True)
    assert existing.status == "active"
    assert body(response)["family_name"] == "New"


def test_zip_spanning_counties_needs_the_county_as_the_join_form_asks(client, writer):
    # Real ZIPs span counties; the data keeps one, so this one is made to span two (as tests/members do).
    ZipCode.objects.get(code="29201").counties.add(County.objects.get(state="SC", name="Lexington County"))
    response = post(client, writer, signup(person("two@example.org")))
    assert response.status_code == 400
    assert "several counties" in body(response)["error"]
    assert not User.objects.filter(email="two@example.org").exists()
    named = person("two@example.org", custom_fields={"county": "Lexington"})
    assert post(client, writer, signup(named)).status_code == 200
    assert Member.objects.get(user__email="two@example.org").county.name == "Lexington County"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (signup(person("x@example.org", zip_code="00000")), "ZIP code"),
        (signup(person("x@example.org", zip_code="2920")), "ZIP code"),
        (signup(person("x@example.org", zip_code=None)), "needs a ZIP code"),
        (signup(person("not-an-email")), "not an email"),
        (signup(person("x@example.org", given_name="A\x00b")), "control characters"),
        (signup(person("x@example.org", given_name="x" * 151)), "longer than"),
        (signup(person("x@example.org", phone_numbers=[{"number": "12"}])), "phone number"),
        (signup(person("x@example.org", phone_numbers=[{"number": "", "status": "subscribed"}])), "phone number"),
        (signup(person("x@example.org", email_addresses=[{"address": "x@example.org", "status": "maybe"}])),
         "email_addresses"),
        (signup(person("x@example.org", email_addresses=[])), "email_addresses"),
        ({"person": "nope"}, "person"),
        ({}, "person"),
    ],
)  # fmt: skip
def test_bad_signups_get_a_clear_400_and_change_nothing(client, writer, data, words):
    if (
        data.get("person")
        and isinstance(data["person"], dict)
        and data["person"].get("postal_addresses") == [{"postal_code": None}]
    ):
        data["person"]["postal_addresses"] = []
    users = User.objects.count()
    response = post(client, writer, data)
    assert response.status_code == 400, response.content
    assert words in body(response)["error"]
    assert User.objects.count() == users


def test_garbage_bodies_are_400_not_500(client, writer):
    for raw in ("{", "[]", "null", '{"person": {"email_addresses": [{"address": 5}]}}'):
        response = client.post("/api/people/", raw, content_type="application/json", **headers(writer))
        assert response.status_code == 400, (raw, response.content)


def test_a_zip_outside_the_keys_chapter_is_refused(client, writer, chapter_b):
    response = post(client, writer, signup(person("wy@example.org", zip_code="82001")))
    assert response.status_code == 403
    assert "Wyoming Consents" in body(response)["error"]
    assert not User.objects.filter(email="wy@example.org").exists()


def test_a_person_of_another_chapter_is_not_changed(client, writer, chapter_b):
    other = make_member("wy@example.org", "82001", last_name="Keep")
    response = post(client, writer, signup(person("wy@example.org", zip_code="29201", family_name="Changed")))
    assert response.status_code == 403
    other.refresh_from_db()
    other.user.refresh_from_db()
    assert (other.chapter, other.user.last_name) == (chapter_b, "Keep")


def test_a_read_key_cannot_sign_people_up(client, coordinator_a, chapter_a):
    _, token = make_key(coordinator_a, chapter_a, ApiKey.Scope.READ)
    response = post(client, token, signup(person("r@example.org")))
    assert response.status_code == 403
    assert "only read" in body(response)["error"]
    assert not User.objects.filter(email="r@example.org").exists()


def test_someone_who_left_is_not_subscribed_again_by_another_tool(client, writer):
    make_member("gone@example.org", "29201", status=Member.Status.LEFT)
    data = signup(person("gone@example.org", email_addresses=[{"address": "gone@example.org", "status": "subscribed"}]))
    response = post(client, writer, data)
    assert response.status_code == 409
    assert Member.objects.get(user__email="gone@example.org").email_updates is False


def test_a_national_key_places_people_where_no_chapter_is(client, national):
    _, token = make_key(national, None, ApiKey.Scope.WRITE)
    assert post(client, token, signup(person("tx@example.org", zip_code="73301"))).status_code == 200
    member = Member.objects.get(user__email="tx@example.org")
    assert (member.chapter, member.state_id) == (None, "TX")


def test_tag_names_that_match_no_tag_are_ignored_as_action_network_ignores_them(client, writer):
    response = post(client, writer, signup(person("tags@example.org"), add_tags=["volunteer", "member"]))
    assert response.status_code == 200
    assert Member.objects.filter(user__email="tags@example.org").exists()
