"""The chapter directory and find-your-chapter (the chapter page itself: tests/public/test_chapter_page.py)."""

import pytest

from chapters.models import Chapter, County, State, ZipCode


@pytest.fixture
def many_chapters(chapter_a, chapter_b) -> list[Chapter]:
    chapters = [chapter_a, chapter_b]
    for code in ["OH", "TX", "UT", "MT", "ID", "NV", "KS", "NE", "IA", "MO"]:
        state = State.objects.get(code=code)
        chapters.append(Chapter.objects.create(name=f"{state.name} Consents", slug=code.lower(), state=state))
    return chapters


def test_directory_lists_every_chapter_with_progress(client, many_chapters, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/chapters/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('href="/chapters/') >= len(many_chapters)
    assert "Wyoming Consents" in html
    assert "<strong>2</strong> of <strong>20</strong> states" in html
    assert 'href="/chapters/">Chapters</a>' in html  # the nav link


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
