"""The public wall, detail pages, the feed and the reusable partial."""

import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from endorsements.models import Endorsement
from endorsements.views import PER_PAGE
from tests.factories import make_endorsement

S = Endorsement.Status
WALL = reverse("endorsements:endorsement-list")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def wall(db) -> dict[str, Endorsement]:
    return {
        "sc": make_endorsement("SC", name="Senate Hopeful", kind=Endorsement.Kind.CANDIDATE),
        "wy": make_endorsement("WY", name="Wyoming Ranchers Guild", kind=Endorsement.Kind.ORGANISATION),
        "national": make_endorsement(None, name="Third Party Contender", kind=Endorsement.Kind.CANDIDATE),
        "featured": make_endorsement("SC", name="Radio Host", kind=Endorsement.Kind.PUBLIC_FIGURE, featured=True),
        "submitted": make_endorsement("SC", S.SUBMITTED, name="Not Yet Verified"),
        "verified": make_endorsement("SC", S.VERIFIED, name="Verified Unpublished"),
        "withdrawn": make_endorsement("SC", S.WITHDRAWN, name="Changed Their Mind"),
        "rejected": make_endorsement("SC", S.REJECTED, name="Fake Senator"),
    }


def test_wall_shows_published_only_featured_first(client, wall):
    response = client.get(WALL)
    assert response.status_code == 200
    names = [e.name for e in response.context["page"].object_list]
    assert names[0] == "Radio Host"
    assert set(names) == {"Radio Host", "Senate Hopeful", "Wyoming Ranchers Guild", "Third Party Contender"}
    for hidden in ("Not Yet Verified", "Verified Unpublished", "Changed Their Mind", "Fake Senator"):
        assert hidden not in response.content.decode()
    assert "endorser@example.net" not in response.content.decode()


def test_wall_counts_each_kind(client, wall):
    response = client.get(WALL)
    counts = {value: count for value, _, count in response.context["kind_counts"]}
    assert counts == {"candidate": 2, "official": 0, "organisation": 1, "public_figure": 1, "individual": 0}
    assert response.context["total"] == 4


def test_wall_filters_by_state_and_kind(client, wall):
    response = client.get(WALL, {"state": "SC"})
    assert {e.name for e in response.context["page"].object_list} == {"Senate Hopeful", "Radio Host"}
    response = client.get(WALL, {"kind": "candidate"})
    assert {e.name for e in response.context["page"].object_list} == {"Senate Hopeful", "Third Party Contender"}
    response = client.get(WALL, {"state": "WY", "kind": "candidate"})
    assert list(response.context["page"].object_list) == []


@pytest.mark.parametrize("query", [{"state": "ZZ"}, {"kind": "alien"}, {"state": "<script>"}])
def test_bad_filter_values_get_a_message_not_an_error(client, wall, query):
    response = client.get(WALL, query)
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    assert "<script>" not in response.content.decode()
    assert len(response.context["page"].object_list) == 4


def test_pagination_and_bad_page_numbers(client, db, django_assert_max_num_queries):
    for i in range(PER_PAGE * 2 + 5):
        make_endorsement(["SC", "WY", None][i % 3], name=f"Person {i:02d}")
    with django_assert_max_num_queries(10):  # 6, and the visitor cache's miss and store (database cache)
        response = client.get(WALL)
    assert len(response.context["page"].object_list) == PER_PAGE
    assert "Page 1 of 3" in response.content.decode()
    assert len(client.get(WALL, {"page": 3}).context["page"].object_list) == 5
    for bad in ("999", "abc", "-1", "0"):
        response = client.get(WALL, {"page": bad})
        assert response.status_code == 200
    page2 = client.get(WALL, {"kind": "candidate", "page": 2}).content.decode()
    assert "kind=candidate&amp;page=1" in page2
    assert "kind=candidate&amp;page=3" in page2


def test_detail_shows_statement_source_and_verification_date(client, wall, django_assert_max_num_queries):
    endorsement = wall["sc"]
    with django_assert_max_num_queries(3):
        response = client.get(endorsement.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "States should consent." in body
    assert 'href="https://example.org/statement"' in body
    assert "Verified on" in body
    assert "endorser@example.net" not in body


@pytest.mark.parametrize("key", ["submitted", "verified", "withdrawn", "rejected"])
def test_detail_of_unpublished_or_withdrawn_is_404(client, wall, key):
    assert client.get(wall[key].get_absolute_url()).status_code == 404


def test_statement_html_is_escaped_on_wall_and_detail(client, db):
    endorsement = make_endorsement("SC", statement='<script>alert("x")</script><b>bold</b>')
    for url in (WALL, endorsement.get_absolute_url()):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "&lt;script&gt;" in body


def test_feed_lists_newly_published(client, wall, django_assert_max_num_queries):
    for i in range(10):
        make_endorsement("WY", name=f"Feed Person {i}")
    with django_assert_max_num_queries(3):
        response = client.get(reverse("endorsements:endorsement-feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    titles = [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]
    assert len(titles) == 14
    assert titles[0].startswith("Feed Person 9")
    assert not any("Not Yet Verified" in t or "Changed Their Mind" in t for t in titles)
    link = root.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert client.get(link).status_code == 200


def test_partial_shows_a_states_endorsements_for_other_pages(wall):
    html = render_to_string(
        "endorsements/_endorsement_list.html",
        {"endorsements": Endorsement.objects.published().for_state("SC").for_wall()},
    )
    assert "Senate Hopeful" in html
    assert "Radio Host" in html
    assert "Wyoming Ranchers Guild" not in html
    assert "Not Yet Verified" not in html


def test_nav_links_to_the_wall(client, db):
    assert f'href="{WALL}"' in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["national", "coordinator_a", "coordinator_b", "member", None])
def test_public_pages_are_the_same_for_every_role(client, wall, request, role):
    if role:
        client.force_login(request.getfixturevalue(role))
    assert client.get(WALL).status_code == 200
    assert client.get(wall["wy"].get_absolute_url()).status_code == 200
    assert client.get(wall["submitted"].get_absolute_url()).status_code == 404
    assert client.get(reverse("endorsements:endorsement-feed")).status_code == 200
    assert client.get(reverse("endorsements:endorsement-submit")).status_code == 200
