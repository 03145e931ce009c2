"""The public API: chapters, the map's figures and published endorsements, for any origin, without a key."""

import pytest

from chapters.models import Chapter, County, State
from endorsements.models import Endorsement
from tests.api.helpers import body, headers, make_key
from tests.factories import make_endorsement, make_member


@pytest.fixture
def red_oregon(db) -> Chapter:
    oregon = State.objects.get(code="OR")
    chapter = Chapter.objects.create(name="Red Oregon", slug="red-oregon", state=oregon, status=Chapter.Status.FORMING)
    listed = County.objects.filter(state=oregon, name__in=["Multnomah County", "Lane County"])
    chapter.set_territory(mode=Chapter.TerritoryMode.EXCEPT, counties=listed)
    return chapter


def test_chapters_with_their_territories_and_status(client, chapter_a, red_oregon):
    response = client.get("/api/chapters/", HTTP_ORIGIN="https://tool.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = body(response)
    chapters = {c["slug"]: c for c in data["_embedded"]["chapters"]}
    assert data["total_records"] == 2
    oregon = chapters["red-oregon"]
    assert (oregon["status"], oregon["territory"]["mode"]) == ("forming", "except")
    assert oregon["state"] == {"code": "OR", "name": "Oregon"}
    assert [c["name"] for c in oregon["territory"]["listed_counties"]] == ["Lane County", "Multnomah County"]
    assert oregon["territory"]["in_words"] == "All of Oregon except Lane County and Multnomah County"
    assert oregon["_links"]["html"]["href"] == "http://testserver/chapters/red-oregon/"
    assert body(client.get("/api/chapters/red-oregon/")) == oregon
    assert client.get("/api/chapters/nowhere/").status_code == 404


def test_map_figures_say_each_states_status(client, chapter_a, red_oregon, django_assert_max_num_queries):
    make_member("tx@example.org", "73301")  # a member in Texas, where no chapter is
    with django_assert_max_num_queries(12):
        data = body(client.get("/api/map/"))
    states = {s["code"]: s for s in data["states"]}
    assert (states["SC"]["status"], states["OR"]["status"], states["TX"]["status"], states["CA"]["status"]) == (
        "active", "forming", "members", "none")  # fmt: skip
    assert states["OR"]["chapters"] == [{"name": "Red Oregon", "slug": "red-oregon", "status": "forming",
                                         "whole_state": False}]  # fmt: skip
    assert data["progress"]["active_states"] == 1
    assert data["progress"]["forming_states"] == 1
    assert "tx@example.org" not in str(data)


def test_only_published_endorsements_and_never_the_endorsers_contact(client, chapter_a):
    shown = make_endorsement(name="Shown Endorser", contact_email="secret-contact@example.net")
    make_endorsement(name="Unverified Endorser", status=Endorsement.Status.SUBMITTED)
    response = client.get("/api/endorsements/")
    data = body(response)
    assert [e["name"] for e in data["_embedded"]["endorsements"]] == ["Shown Endorser"]
    assert "secret-contact" not in response.content.decode()
    assert body(client.get(f"/api/endorsements/{shown.slug}/"))["statement"] == "States should consent."
    hidden = Endorsement.objects.get(name="Unverified Endorser")
    assert client.get(f"/api/endorsements/{hidden.slug}/").status_code == 404


def test_endorsements_page_by_page(client, db):
    for i in range(5):
        make_endorsement(name=f"Endorser {i}")
    first = body(client.get("/api/endorsements/?per_page=2"))
    assert first["total_pages"] == 3
    second = body(client.get(first["_links"]["next"]["href"]))
    assert [e["name"] for e in second["_embedded"]["endorsements"]] == ["Endorser 2", "Endorser 3"]


def test_people_answers_carry_no_cors_header(client, coordinator_a, chapter_a):
    _, token = make_key(coordinator_a, chapter_a)
    response = client.get("/api/people/", HTTP_ORIGIN="https://tool.example", **headers(token))
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_the_entry_point_links_every_resource(client, db):
    links = body(client.get("/api/"))["_links"]
    assert links["osdi:people"]["href"] == "http://testserver/api/people/"
    assert links["osdi:person_signup_helper"]["href"] == "http://testserver/api/people/"
    assert {"chapters", "map", "endorsements", "docs"} <= set(links)
