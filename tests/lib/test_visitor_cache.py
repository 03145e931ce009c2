"""Visitors without cookies get public pages from a copy; nobody else does, and nothing personal is kept."""

import re

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client

from chapters.models import Chapter, State
from lib.visitor_cache import visitor_cache


def visitor_get(path: str):
    """A first-time visitor: a fresh client, no cookies."""
    return Client().get(path)


@pytest.mark.parametrize("path", ["/", "/chapters/south-carolina/", "/endorsements/"])
def test_visitors_share_a_copy_that_people_with_a_session_never_get(
    path, chapter_a, member, django_assert_max_num_queries
):
    first = visitor_get(path)
    assert first.status_code == 200
    assert "Cookie" in first["Vary"]
    chapter_a.name = "Palmetto Consents"
    chapter_a.save()
    with django_assert_max_num_queries(0):  # the copy, from this worker's memory
        again = visitor_get(path)
    assert again.content == first.content
    assert "Cookie" in again["Vary"]
    # A logged-in member gets the page rendered for them: their menu, the current data.
    logged_in = Client()
    logged_in.force_login(member)
    html = logged_in.get(path).content.decode()
    assert "My profile" in html
    assert "Log out" in html
    if path.startswith("/chapters/"):  # (the home page's map has its own one-minute cache)
        assert "Palmetto Consents" in html


def test_a_logged_in_rendering_is_never_served_to_visitors(chapter_a, member):
    logged_in = Client()
    logged_in.force_login(member)
    assert "Log out" in logged_in.get("/chapters/south-carolina/").content.decode()
    html = visitor_get("/chapters/south-carolina/").content.decode()
    assert "Log out" not in html
    assert "csrfmiddlewaretoken" not in html


def page_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("path", ["/join/", "/join/sc/", "/question/"])
def test_pages_with_a_form_are_rendered_for_each_visitor_with_a_token_of_their_own(path, chapter_a):
    first = Client(enforce_csrf_checks=True)
    html = first.get(path).content.decode()
    second = Client(enforce_csrf_checks=True)
    response = second.get(path)
    assert response.status_code == 200
    again = response.content.decode()
    tokens = [page_token(html), page_token(again)]
    cookies = [first.cookies["csrftoken"].value, second.cookies["csrftoken"].value]
    assert tokens[0] != tokens[1]  # a shared copy would hold the first visitor's token
    assert cookies[0] != cookies[1]
    # Each visitor's token goes with their own cookie, and only with it.
    post_path = "/question/answer/" if path == "/question/" else path
    assert second.post(post_path, {"csrfmiddlewaretoken": tokens[1]}).status_code != 403
    assert first.post(post_path, {"csrfmiddlewaretoken": tokens[1]}).status_code == 403


def test_a_page_that_used_a_csrf_token_is_never_kept(rf):
    renderings = []

    @visitor_cache(seconds=30)
    def form_page(request):
        renderings.append(get_token(request))
        return HttpResponse(f"<form>{renderings[-1]}</form>")

    for _ in range(2):
        assert form_page(rf.get("/a-form/")).status_code == 200
    assert len(renderings) == 2
    assert renderings[0] != renderings[1]


def test_copies_are_per_address_and_only_of_pages_that_exist(chapter_a, chapter_b):
    assert "South Carolina Consents" in visitor_get("/chapters/south-carolina/").content.decode()
    assert "Wyoming Consents" in visitor_get("/chapters/wyoming/").content.decode()
    assert visitor_get("/chapters/montana/").status_code == 404
    Chapter.objects.create(name="Montana Consents", slug="montana", state=State.objects.get(code="MT"))
    assert visitor_get("/chapters/montana/").status_code == 200


def test_find_your_chapter_redirects_are_shared_with_visitors_only(chapter_a, member, django_assert_max_num_queries):
    first = visitor_get("/chapters/find/?zip=29201")
    assert first.status_code == 302
    assert first["Location"] == chapter_a.get_absolute_url()
    with django_assert_max_num_queries(0):
        again = visitor_get("/chapters/find/?zip=29201")
    assert (again.status_code, again["Location"]) == (302, first["Location"])
    # Another ZIP code is another page; a logged-in member's lookup runs as usual.
    other = visitor_get("/chapters/find/?zip=82001")  # Wyoming: no chapter in this test
    assert other.status_code == 200
    assert "chapters/chapter_none_here.html" in {template.name for template in other.templates}
    logged_in = Client()
    logged_in.force_login(member)
    with django_assert_max_num_queries(8):
        assert logged_in.get("/chapters/find/?zip=29201")["Location"] == chapter_a.get_absolute_url()
