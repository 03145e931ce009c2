"""Reading people with a key: OSDI's shape, keyset pages, the incremental filter, and the access log."""

import datetime

import pytest
from django.utils import timezone

from api.models import ApiKey, ApiRequest
from api.schemas import PeopleCollection
from members.models import Member, MemberAccess
from tests.api.helpers import body, headers, make_key
from tests.factories import make_member


@pytest.fixture
def sc_people(chapter_a):
    return [make_member(f"p{i}@example.org", "29201", first_name=f"P{i}", last_name="Sc",
                        email_updates=i % 2 == 0) for i in range(7)]  # fmt: skip


def test_a_page_of_people_is_an_osdi_hal_collection(client, coordinator_a, sc_people):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    response = client.get("/api/people/?per_page=3", **headers(token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")
    assert "no-store" in response["Cache-Control"]
    data = body(response)
    assert (data["page"], data["per_page"], data["total_records"], data["total_pages"]) == (1, 3, 7, 3)
    people = data["_embedded"]["osdi:people"]
    assert [p["given_name"] for p in people] == ["P0", "P1", "P2"]
    first = people[0]
    assert first["email_addresses"] == [{"address": "p0@example.org", "primary": True, "status": "subscribed"}]
    assert people[1]["email_addresses"][0]["status"] == "unsubscribed"
    assert first["postal_addresses"][0]["postal_code"] == "29201"
    assert first["custom_fields"]["chapter"] == "South Carolina Consents"
    assert first["custom_fields"]["county"] == "Richland County"
    assert first["identifiers"] == [f"coalition:{sc_people[0].pk}"]
    assert first["_links"]["self"]["href"] == f"http://testserver/api/people/{sc_people[0].pk}/"
    assert data["_links"]["osdi:people"][0] == first["_links"]["self"]
    assert "previous" not in data["_links"]
    assert "after=" in data["_links"]["next"]["href"]


def test_following_next_links_reads_everyone_once_and_previous_goes_back(client, coordinator_a, sc_people):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    url, seen, pages = "/api/people/?per_page=3", [], []
    while url:
        data = body(client.get(url, **headers(token)))
        pages.append(data)
        seen += [p["identifiers"][0] for p in data["_embedded"]["osdi:people"]]
        url = data["_links"].get("next", {}).get("href")
    assert seen == [f"coalition:{m.pk}" for m in sc_people]
    assert [p["page"] for p in pages] == [1, 2, 3]
    back = body(client.get(pages[2]["_links"]["previous"]["href"], **headers(token)))
    assert back["page"] == 2
    assert back["_embedded"]["osdi:people"] == pages[1]["_embedded"]["osdi:people"]


def test_counting_pages_by_number_gives_the_same_pages_as_the_links(client, coordinator_a, sc_people):
    """Parsons' Action Network connector asks ?page=1, ?page=2, ... itself."""
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    by_number = [body(client.get(f"/api/people/?per_page=3&page={n}", **headers(token))) for n in (1, 2, 3, 4)]
    names = [[p["given_name"] for p in page["_embedded"]["osdi:people"]] for page in by_number]
    assert names == [["P0", "P1", "P2"], ["P3", "P4", "P5"], ["P6"], []]


def test_a_page_jumped_to_without_a_cursor_still_answers(client, coordinator_a, sc_people):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    data = body(client.get("/api/people/?per_page=2&page=3", **headers(token)))
    assert [p["given_name"] for p in data["_embedded"]["osdi:people"]] == ["P4", "P5"]


def test_filter_modified_date_returns_only_people_changed_since(client, coordinator_a, sc_people):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    since = timezone.now()
    changed = sc_people[3]
    changed.user.first_name = "Renamed"
    changed.user.save()  # a name change stamps the membership (trigger on users)
    response = client.get("/api/people/", {"filter": f"modified_date gt '{since.isoformat()}'"}, **headers(token))
    assert [p["given_name"] for p in body(response)["_embedded"]["osdi:people"]] == ["Renamed"]
    everyone = client.get("/api/people/", {"filter": "modified_date gt '2020-01-01'"}, **headers(token))
    assert body(everyone)["total_records"] == 7


@pytest.mark.parametrize(
    "query",
    ["filter=given_name eq 'x'", "filter=modified_date gt 'yesterday'", "filter=modified_date gt '2026-02-30'",
     "per_page=101", "per_page=0", "page=0", "page=x", "after=abc"],
)  # fmt: skip
def test_bad_paging_or_filter_is_a_clear_400(client, coordinator_a, sc_people, query):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    response = client.get(f"/api/people/?{query}", **headers(token))
    assert response.status_code == 400
    assert body(response)["error"]


def test_pending_signups_are_not_listed(client, coordinator_a, sc_people):
    make_member("pending@example.org", "29201", status=Member.Status.PENDING)
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    assert body(client.get("/api/people/", **headers(token)))["total_records"] == 7


def test_reading_people_shows_on_their_profile_and_is_logged(client, coordinator_a, sc_people):
    key, token = make_key(coordinator_a, sc_people[0].chapter, name="Spreadsheet sync")
    client.get("/api/people/?per_page=2", **headers(token))
    client.get(f"/api/people/{sc_people[5].pk}/", **headers(token))
    read = set(MemberAccess.objects.filter(action="api").values_list("member_id", flat=True))
    assert read == {sc_people[0].pk, sc_people[1].pk, sc_people[5].pk}
    assert set(MemberAccess.objects.filter(action="api").values_list("actor_id", flat=True)) == {coordinator_a.pk}
    logs = list(ApiRequest.objects.filter(key=key).order_by("at").values_list("method", "path", "status", "people"))
    assert logs == [("GET", "/api/people/?per_page=2", 200, 2), ("GET", f"/api/people/{sc_people[5].pk}/", 200, 1)]
    key.refresh_from_db()
    assert key.last_used_at is not None

    client.force_login(sc_people[5].user)
    profile = client.get("/profile/").content.decode()
    assert "a coordinator of South Carolina Consents read your record through the API" in profile


def test_a_person_outside_the_keys_chapter_is_not_found(client, coordinator_a, chapter_b, sc_people):
    wy = make_member("wy@example.org", "82001")
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    response = client.get(f"/api/people/{wy.pk}/", **headers(token))
    assert response.status_code == 404
    assert "wy@example.org" not in response.content.decode()


def test_a_national_key_for_every_chapter_reads_people_without_a_chapter_too(client, national, sc_people):
    nochapter = make_member("tx@example.org", "73301")  # Texas: no chapter
    _, token = make_key(national, None)
    data = body(client.get("/api/people/?per_page=100", **headers(token)))
    assert data["total_records"] == 8
    assert nochapter.pk in [int(p["identifiers"][0].split(":")[1]) for p in data["_embedded"]["osdi:people"]]


def test_bearer_header_works_as_the_osdi_header_does(client, coordinator_a, sc_people):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    response = client.get("/api/people/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_a_page_costs_a_bounded_number_of_queries(client, coordinator_a, sc_people, django_assert_max_num_queries):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    client.get("/api/people/?per_page=2", **headers(token))
    # The key and its creator's reach (3), the rate count (1), the page and its cached total (2), and the
    # request's log with the people it read, in one transaction (4).
    with django_assert_max_num_queries(10):
        response = client.get("/api/people/?per_page=100&page=1", **headers(token))
    assert len(body(response)["_embedded"]["osdi:people"]) == 7


def test_rate_limit_answers_429_with_retry_after(client, coordinator_a, sc_people, settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3
    key, token = make_key(coordinator_a, sc_people[0].chapter)
    statuses = [client.get("/api/people/", **headers(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/people/", **headers(token))
    assert 0 < int(limited["Retry-After"]) <= 60
    assert "Too many requests" in body(limited)["error"]
    assert ApiRequest.objects.filter(key=key, status=429).count() == 2
    other_key, other_token = make_key(coordinator_a, sc_people[0].chapter)
    assert client.get("/api/people/", **headers(other_token)).status_code == 200  # per key


def test_expired_and_revoked_keys_are_refused_with_a_reason(client, coordinator_a, sc_people):
    expired, expired_token = make_key(coordinator_a, sc_people[0].chapter,
                                      expires_at=timezone.now() - datetime.timedelta(days=1))  # fmt: skip
    revoked, revoked_token = make_key(coordinator_a, sc_people[0].chapter)
    revoked.revoke(coordinator_a)
    for token, word in ((expired_token, "expired"), (revoked_token, "revoked")):
        response = client.get("/api/people/", **headers(token))
        assert response.status_code == 401
        assert word in body(response)["error"]
    assert ApiRequest.objects.filter(key__in=[expired, revoked], status=401).count() == 2
    assert client.get("/api/people/", **headers(expired_token[:-2] + "xx")).status_code == 401
    assert client.get("/api/people/", **headers("garbage")).status_code == 401
    assert ApiKey.objects.count() == 2


def test_pages_read_by_number_in_order_or_by_link_seek_and_never_offset(client, coordinator_a, sc_people):
    """What makes page 1,000 cost what page 1 does: an index seek past the previous page's last key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, token = make_key(coordinator_a, sc_people[0].chapter)
    client.get("/api/people/?per_page=2&page=1", **headers(token))
    second = body(client.get("/api/people/?per_page=2&page=2", **headers(token)))
    for url in ("/api/people/?per_page=2&page=3", second["_links"]["next"]["href"]):
        with CaptureQueriesContext(connection) as queries:
            client.get(url, **headers(token))
        page_query = next(q["sql"] for q in queries if q["sql"].startswith('SELECT "members_member"."id"'))
        assert "OFFSET" not in page_query, url
        assert f'"members_member"."id" > {sc_people[3].pk}' in page_query, url


@pytest.mark.parametrize(
    "path",
    ["/api/people/99999999999999999999/", "/api/people/?after=99999999999999999999",
     "/api/people/?before=-99999999999999999999", "/api/people/?page=99999999999999999999"],
)  # fmt: skip
def test_out_of_range_numbers_are_answered_not_500(client, coordinator_a, sc_people, path):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    assert client.get(path, **headers(token)).status_code in (200, 400, 404)


def test_a_key_stops_when_its_creators_account_is_closed(client, coordinator_a, sc_people):
    _, token = make_key(coordinator_a, sc_people[0].chapter)
    coordinator_a.is_active = False
    coordinator_a.save()
    response = client.get("/api/people/", **headers(token))
    assert response.status_code == 403
    assert "closed" in body(response)["error"]


def test_the_people_page_is_exactly_what_its_documented_schema_makes_of_it(client, national, sc_people):
    """The list is rendered without the framework's response validation (for speed): this is that check."""
    sc_people[0].phone = "+18035550199"
    sc_people[0].save()
    _, token = make_key(national, None)
    data = body(client.get("/api/people/?per_page=3", **headers(token)))
    assert data["_links"]["next"]
    assert PeopleCollection.model_validate(data).model_dump(by_alias=True, mode="json") == data


def test_a_person_reads_the_same_from_a_page_query_as_from_a_loaded_member(sc_people):
    """`person` has two sources (a page's one query, or a member with its relations): they must agree."""
    from api import representations

    member = sc_people[0]
    member.phone = "+18035550198"
    member.text_messages = True
    member.save()
    paged = representations.in_one_query(Member.objects.filter(pk=member.pk)).get()
    loaded = Member.objects.select_related(*representations.PERSON_RELATED).get(pk=member.pk)
    assert representations.person(paged) == representations.person(loaded)
    assert representations.person(paged)["phone_numbers"][0]["number"] == "+18035550198"
