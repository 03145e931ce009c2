"""The home page's map colours each state from real data."""

import re

from chapters.models import Chapter, County, State
from tests.factories import make_member


def tile_classes(html: str, code: str) -> str:
    match = re.search(r'<a [^>]*class="([^"]*)" data-state="' + code + '"', html)
    assert match, code
    return match.group(1)


def test_map_colours_states_by_chapter_status(client, chapter_a, db):
    Chapter.objects.create(name="Texas Forming", slug="texas", state=State.objects.get(code="TX"))
    html = client.get("/").content.decode()
    assert tile_classes(html, "SC") == "tile tile-active"
    assert tile_classes(html, "TX") == "tile tile-forming"
    assert tile_classes(html, "CA") == "tile tile-none"
    assert "<strong>1</strong> of <strong>20</strong>" in html
    assert 'href="/chapters/south-carolina/"' in html


def test_sub_state_chapter_is_marked(client, chapter_a):
    County.objects.filter(fips="45019").update(chapter=None)  # Charleston County left out
    html = client.get("/").content.decode()
    assert tile_classes(html, "SC") == "tile tile-active tile-partial"
    assert "South Carolina: Active chapter (South Carolina Consents), part of the state" in html


def test_home_queries_are_bounded(client, chapter_a, chapter_b, django_assert_max_num_queries):
    for i in range(20):
        Chapter.objects.create(name=f"Chapter {i}", slug=f"chapter-{i}", state=State.objects.get(code="TX"))
    with django_assert_max_num_queries(18):  # with the visitor cache's miss and store
        assert client.get("/").status_code == 200


def test_state_with_members_but_no_chapter(client, chapter_a):
    make_member("tx@example.org", "73301")
    html = client.get("/").content.decode()
    assert tile_classes(html, "TX") == "tile tile-members"
    assert tile_classes(html, "GA") == "tile tile-none"
