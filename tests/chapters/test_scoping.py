"""ChapterScopedAdmin: every chapter-scoped admin answers a coordinator the same way."""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from chapters.models import Officer, SocialPage
from chapters.scoping import ChapterScopedAdmin
from dashboards.models import ReachSnapshot
from endorsements.models import Endorsement

SCOPED_CHANGELISTS = [
    "/admin/chapters/chapter/", "/admin/chapters/officer/", "/admin/chapters/socialpage/", "/admin/chapters/state/",
    "/admin/chapters/county/", "/admin/members/member/", "/admin/endorsements/endorsement/",
    "/admin/dashboards/reachsnapshot/",
]  # fmt: skip


def test_every_chapter_scoped_model_has_a_scoped_admin():
    for label in ("chapters.chapter", "chapters.officer", "chapters.socialpage", "chapters.state", "chapters.county",
                  "members.member", "endorsements.endorsement", "dashboards.reachsnapshot"):  # fmt: skip
        assert isinstance(admin.site.get_model_admin(apps.get_model(label)), ChapterScopedAdmin), label


def test_a_coordinator_whose_term_ended_manages_nothing(client, chapter_a, coordinator_a):
    Officer.objects.filter(user=coordinator_a).update(term_end=datetime.date(2025, 6, 30))
    client.force_login(coordinator_a)
    for url in SCOPED_CHANGELISTS:
        assert client.get(url).status_code == 403, url


def test_each_scoped_changelist_opens_for_a_coordinator(client, chapter_a, coordinator_a):
    client.force_login(coordinator_a)
    for url in SCOPED_CHANGELISTS:
        assert client.get(url).status_code == 200, url


@pytest.fixture
def pages(chapter_a, chapter_b) -> dict[str, SocialPage]:
    return {
        side: SocialPage.objects.create(chapter=chapter, platform="facebook", url=f"https://fb.example/{side}")
        for side, chapter in (("a", chapter_a), ("b", chapter_b))
    }


def request_as(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    return request


def test_nothing_is_saved_into_another_chapter_whatever_the_form_let_through(coordinator_a, national, pages):
    # The forms offer only the coordinator's own chapters; the save checks again.
    reach = admin.site.get_model_admin(ReachSnapshot)
    endorsements = admin.site.get_model_admin(Endorsement)
    officers = admin.site.get_model_admin(Officer)
    for user, allowed in ((coordinator_a, False), (national, True)):
        request = request_as(user)
        assert reach.may_hold(request, ReachSnapshot(social_page=pages["b"])) is allowed
        assert endorsements.may_hold(request, Endorsement(state_id="WY")) is allowed
        assert endorsements.may_hold(request, Endorsement(state=None)) is allowed  # a national endorsement
        assert officers.may_hold(request, Officer(chapter=pages["b"].chapter)) is allowed
    request = request_as(coordinator_a)
    assert reach.may_hold(request, ReachSnapshot(social_page=pages["a"]))
    assert endorsements.may_hold(request, Endorsement(state_id="SC"))
    assert officers.may_hold(request, Officer(chapter=pages["a"].chapter))
