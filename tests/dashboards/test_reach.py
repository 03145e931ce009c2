"""The social reach ledger: figures per chapter page, totals over time, scoped to coordinators."""

import datetime

import pytest

from chapters.models import SocialPage
from dashboards.models import ReachSnapshot

D = datetime.date


@pytest.fixture
def pages(chapter_a, chapter_b):
    a_fb = SocialPage.objects.create(chapter=chapter_a, platform="facebook", url="https://facebook.example/sc")
    a_x = SocialPage.objects.create(chapter=chapter_a, platform="x", url="https://x.example/sc")
    b_fb = SocialPage.objects.create(chapter=chapter_b, platform="facebook", url="https://facebook.example/wy")
    for page, date, followers in [
        (a_fb, D(2026, 1, 1), 100), (a_x, D(2026, 1, 8), 50), (a_fb, D(2026, 1, 15), 300),
        (b_fb, D(2026, 1, 8), 1000),
    ]:  # fmt: skip
        ReachSnapshot.objects.create(social_page=page, date=date, followers=followers)
    ReachSnapshot.objects.create(
        social_page=a_fb, date=D(2026, 1, 10), post_reach=30000, note="The post that went viral"
    )
    ReachSnapshot.objects.create(social_page=b_fb, date=D(2026, 1, 11), post_reach=777, note="Wyoming-only post")
    return a_fb, a_x, b_fb


def test_totals_add_each_pages_latest_figure(pages):
    national, by_chapter = ReachSnapshot.objects.follower_totals()
    assert national == [(D(2026, 1, 1), 100), (D(2026, 1, 8), 1150), (D(2026, 1, 15), 1350)]
    assert by_chapter["South Carolina Consents"] == [(D(2026, 1, 1), 100), (D(2026, 1, 8), 150), (D(2026, 1, 15), 350)]
    assert by_chapter["Wyoming Consents"] == [(D(2026, 1, 8), 1000)]


def test_national_coordinator_sees_everything(client, national, pages, django_assert_max_num_queries):
    client.force_login(national)
    with django_assert_max_num_queries(10):
        response = client.get("/dashboard/reach/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "1,350" in html
    assert "Wyoming-only post" in html
    assert "<polyline" in html


def test_chapter_coordinator_sees_only_their_chapter(client, coordinator_a, coordinator_b, pages):
    client.force_login(coordinator_a)
    html = client.get("/dashboard/reach/").content.decode()
    assert "The post that went viral" in html
    assert "Wyoming" not in html
    assert "<strong>350</strong>" in html
    csv = client.get("/dashboard/reach/?format=csv").content.decode()
    assert csv.splitlines()[0] == "date,South Carolina Consents"


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 302), ("member", 403)])
def test_members_and_visitors_cannot_open_the_dashboard(client, member, who, expected):
    if who == "member":
        client.force_login(member)
    assert client.get("/dashboard/reach/").status_code == expected


def test_coordinator_cannot_open_another_chapters_snapshot_in_admin(client, coordinator_a, pages):
    other = ReachSnapshot.objects.get(note="Wyoming-only post")
    client.force_login(coordinator_a)
    response = client.get(f"/admin/dashboards/reachsnapshot/{other.pk}/change/")
    assert response.status_code in (302, 404)
    assert "Wyoming-only post" not in response.content.decode()
    changelist = client.get("/admin/dashboards/reachsnapshot/").content.decode()
    assert "Wyoming" not in changelist
    add_form = client.get("/admin/dashboards/reachsnapshot/add/").content.decode()
    assert "facebook.example/sc" in add_form
    assert "facebook.example/wy" not in add_form


def test_coordinator_records_a_snapshot_for_their_page(client, coordinator_a, pages):
    a_fb, _, b_fb = pages
    client.force_login(coordinator_a)
    response = client.post(
        "/admin/dashboards/reachsnapshot/add/",
        {"social_page": a_fb.pk, "date": "2026-02-01", "followers": "420", "post_reach": "", "note": ""},
    )
    assert response.status_code == 302
    snapshot = ReachSnapshot.objects.get(date=D(2026, 2, 1))
    assert snapshot.recorded_by == coordinator_a
    response = client.post(
        "/admin/dashboards/reachsnapshot/add/",
        {"social_page": b_fb.pk, "date": "2026-02-02", "followers": "1", "post_reach": "", "note": ""},
    )
    assert response.status_code == 200  # refused: not one of their pages
    assert not ReachSnapshot.objects.filter(date=D(2026, 2, 2)).exists()


def test_reach_note_and_post_address_refuse_control_characters(client, coordinator_a, pages):
    client.force_login(coordinator_a)
    before = ReachSnapshot.objects.count()
    response = client.post(
        "/admin/dashboards/reachsnapshot/add/",
        {"social_page": pages[0].pk, "date": "2026-02-01", "post_reach": "500",
         "post_url": "https://facebook.example/sc/1\x1b", "note": "Viral\r\npost"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() == {"post_url", "note"}
    assert ReachSnapshot.objects.count() == before
