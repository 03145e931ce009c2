import datetime

import pytest

from chapters.models import Chapter, County, Officer, SocialPage, State, ZipCode
from tests.conftest import make_user


@pytest.fixture
def many_chapters(chapter_a, chapter_b) -> list[Chapter]:
    chapters = [chapter_a, chapter_b]
    for code in ["OH", "TX", "UT", "MT", "ID", "NV", "KS", "NE", "IA", "MO"]:
        state = State.objects.get(code=code)
        chapters.append(Chapter.objects.create(name=f"{state.name} Consents", slug=code.lower(), state=state))
    return chapters


@pytest.fixture
def busy_chapter(chapter_a, coordinator_a) -> Chapter:
    """Chapter A with several officers, social pages and listed counties, so an N+1 would show."""
    for n in range(8):
        user = make_user(f"officer{n}@example.org", first_name=f"Officer{n}", last_name="Smith")
        Officer.objects.create(user=user, chapter=chapter_a, role=Officer.Role.OFFICER, title=f"Organiser {n}")
    Officer.objects.create(
        user=make_user("former@example.org", first_name="Former", last_name="Officer"),
        chapter=chapter_a, title="Past treasurer", role=Officer.Role.OFFICER,
        term_start=datetime.date(2020, 1, 1), term_end=datetime.date(2021, 1, 1),
    )  # fmt: skip
    for platform in ["facebook", "x", "instagram", "youtube"]:
        SocialPage.objects.create(chapter=chapter_a, platform=platform, url=f"https://{platform}.example/scc")
    chapter_a.question = "Would you really mind if California left?"
    chapter_a.description = "Columbia to the coast."
    chapter_a.save()
    chapter_a.set_territory(mode=Chapter.TerritoryMode.EXCEPT, counties=County.objects.filter(state="SC")[:6])
    return chapter_a


def test_directory_lists_every_chapter_with_progress(client, many_chapters, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/chapters/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('href="/chapters/') >= len(many_chapters)
    assert "Wyoming Consents" in html
    assert "<strong>2</strong> of <strong>20</strong> states" in html
    assert 'href="/chapters/">Chapters</a>' in html  # the nav link


def test_chapter_page_shows_officers_by_name_and_title_only(client, busy_chapter, django_assert_max_num_queries):
    client.get(f"/chapters/{busy_chapter.slug}/")  # warm the cached member count and answers
    with django_assert_max_num_queries(12):
        response = client.get("/chapters/south-carolina/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Officer3 Smith, Organiser 3" in html
    assert "Coordinator SC, State coordinator" in html
    assert "Former Officer" not in html
    assert "@example.org" not in html  # no officer's email, ever
    assert "Would you really mind if California left?" in html
    assert "All of South Carolina except" in html
    assert 'href="https://youtube.example/scc"' in html
    assert "Active" in html


def test_unknown_chapter_page_is_404(client, db):
    assert client.get("/chapters/atlantis/").status_code == 404


def test_zip_in_a_covered_county_redirects_to_its_chapter(client, chapter_a, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/chapters/find/", {"zip": "29201"})
    assert response.status_code == 302
    assert response.url == "/chapters/south-carolina/"


def test_zip_plus_four_is_understood(client, chapter_a):
    assert client.get("/chapters/find/", {"zip": "29201-1234"}).url == "/chapters/south-carolina/"


def test_zip_spanning_two_chapters_asks_for_the_county(client, chapter_a):
    richland = County.objects.get(state="SC", name="Richland County")
    lexington = County.objects.get(state="SC", name="Lexington County")
    lexington.chapter = None
    lexington.save()
    ZipCode.objects.get(code="29201").counties.add(lexington)

    response = client.get("/chapters/find/", {"zip": "29201"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Which county do you live in?" in html
    assert f'value="{richland.fips}"' in html
    assert f'value="{lexington.fips}"' in html

    picked = client.get("/chapters/find/", {"zip": "29201", "county": richland.fips})
    assert picked.url == "/chapters/south-carolina/"
    uncovered = client.get("/chapters/find/", {"zip": "29201", "county": lexington.fips})
    assert "No chapter here yet" in uncovered.content.decode()


def test_zip_spanning_two_counties_of_one_chapter_goes_straight_there(client, chapter_a):
    ZipCode.objects.get(code="29201").counties.add(County.objects.get(state="SC", name="Lexington County"))
    assert client.get("/chapters/find/", {"zip": "29201"}).url == "/chapters/south-carolina/"


def test_uncovered_zip_offers_to_sign_up_anyway(client, chapter_a, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/chapters/find/", {"zip": "43215"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "No chapter here yet" in html
    assert "Franklin County" in html
    assert 'href="/accounts/signup/?zip=43215"' in html


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12a45", "A ZIP code is five digits"),
        ("123", "A ZIP code is five digits"),
        ("", "Type your five-digit ZIP code"),
        ("9" * 500, "Ensure this value has at most 10 characters"),
        ("00000", "We don&#x27;t know the ZIP code 00000"),
    ],
)
def test_bad_zip_gets_a_clear_message_on_the_form(client, db, value, message):
    response = client.get("/chapters/find/", {"zip": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="errorlist' in html
    assert 'name="zip"' in html


def test_find_page_without_a_zip_shows_the_form(client, db):
    response = client.get("/chapters/find/")
    assert response.status_code == 200
    assert "errorlist" not in response.content.decode()
