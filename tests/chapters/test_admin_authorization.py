"""Every chapters admin URL for the five roles; coordinator A never sees chapter B's data."""

import datetime

import pytest
from django.urls import reverse

from chapters.models import Chapter, Officer
from members.models import User
from tests.factories import ROLES, chapter_inline_management, edit_version

CHAPTER_AUTOCOMPLETE = "/admin/autocomplete/?app_label=chapters&model_name=socialpage&field_name=chapter"
COUNTY_AUTOCOMPLETE = "/admin/autocomplete/?app_label=chapters&model_name=chapter&field_name=territory_counties&term=Ri"


def obj(view: str, row: str):
    return lambda rows: reverse(f"admin:chapters_{view}", args=[rows[row].pk])


def fixed(view: str, *args):
    return lambda rows: reverse(f"admin:chapters_{view}", args=args)


# (name, url builder, expected status for national, coordinator A, coordinator B)
ADMIN_PAGES = [
    ("chapter changelist", fixed("chapter_changelist"), 200, 200, 200),
    ("chapter add", fixed("chapter_add"), 200, 403, 403),
    ("chapter A change", obj("chapter_change", "chapter_a"), 200, 200, 404),
    ("chapter B change", obj("chapter_change", "chapter_b"), 200, 404, 200),
    ("chapter A delete", obj("chapter_delete", "chapter_a"), 200, 403, 404),
    ("chapter B delete", obj("chapter_delete", "chapter_b"), 200, 404, 403),
    ("chapter A history", obj("chapter_history", "chapter_a"), 200, 200, 404),
    ("chapter B history", obj("chapter_history", "chapter_b"), 200, 404, 200),
    ("onboarding", fixed("chapter_onboard"), 200, 403, 403),
    ("uncovered", fixed("chapter_uncovered"), 200, 200, 200),
    ("uncovered SC", fixed("chapter_uncovered_state", "SC"), 200, 200, 404),
    ("uncovered WY", fixed("chapter_uncovered_state", "WY"), 200, 404, 200),
    ("officer changelist", fixed("officer_changelist"), 200, 200, 200),
    ("officer add", fixed("officer_add"), 200, 403, 403),
    ("officer A change", obj("officer_change", "officer_a"), 200, 200, 404),
    ("officer B change", obj("officer_change", "officer_b"), 200, 404, 200),
    ("officer B delete", obj("officer_delete", "officer_b"), 200, 404, 403),
    ("officer B history", obj("officer_history", "officer_b"), 200, 404, 200),
    ("social changelist", fixed("socialpage_changelist"), 200, 200, 200),
    ("social add", fixed("socialpage_add"), 200, 200, 200),
    ("social A change", obj("socialpage_change", "social_a"), 200, 200, 404),
    ("social B change", obj("socialpage_change", "social_b"), 200, 404, 200),
    ("social A delete", obj("socialpage_delete", "social_a"), 200, 200, 404),
    ("social B delete", obj("socialpage_delete", "social_b"), 200, 404, 200),
    ("social B history", obj("socialpage_history", "social_b"), 200, 404, 200),
    ("county changelist", fixed("county_changelist"), 200, 200, 200),
    ("county in SC", fixed("county_change", "45079"), 200, 200, 404),
    ("county in WY", fixed("county_change", "56021"), 200, 404, 200),
    ("state changelist", fixed("state_changelist"), 200, 200, 200),
    ("state SC", fixed("state_change", "SC"), 200, 200, 404),
    ("state WY", fixed("state_change", "WY"), 200, 404, 200),
    ("goal changelist", fixed("coalitiongoal_changelist"), 200, 403, 403),
    ("goal change", fixed("coalitiongoal_change", 1), 200, 403, 403),
    ("chapter autocomplete", lambda r: CHAPTER_AUTOCOMPLETE, 200, 200, 200),
    ("county autocomplete", lambda r: COUNTY_AUTOCOMPLETE, 200, 200, 200),
]  # fmt: skip


def login_as(client, request, role: str) -> User | None:
    if role == "anonymous":
        return None
    user = request.getfixturevalue(role)
    client.force_login(user)
    return user


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("page", "url", "for_national", "for_a", "for_b"), ADMIN_PAGES, ids=[p[0] for p in ADMIN_PAGES]
)
def test_admin_matrix(client, request, chapter_rows, role, page, url, for_national, for_a, for_b):
    login_as(client, request, role)
    # Member and anonymous are sent to the login page: the admin never answers them with data.
    want = {"national": for_national, "coordinator_a": for_a, "coordinator_b": for_b}.get(role, 302)
    response = client.get(url(chapter_rows))
    assert response.status_code == want
    if want == 302:
        assert "/login/" in response.url
    html = response.content.decode()
    if role == "coordinator_a":
        assert "Wyoming Consents" not in html
        assert "coord-b@example.org" not in html
        assert "fb.example/wy" not in html
    if role == "coordinator_b":
        assert "South Carolina Consents" not in html
        assert "fb.example/sc" not in html


def test_public_pages_are_open_to_all_roles(client, request, chapter_rows):
    for role in ROLES:
        client.logout()
        login_as(client, request, role)
        assert client.get("/chapters/").status_code == 200
        assert client.get("/chapters/wyoming/").status_code == 200
        assert client.get("/chapters/find/", {"zip": "82001"}).url == "/chapters/wyoming/"


def test_chapter_autocomplete_does_not_leak_another_chapter(client, chapter_rows, coordinator_a):
    client.force_login(coordinator_a)
    response = client.get(
        "/admin/autocomplete/", {"app_label": "chapters", "model_name": "socialpage", "field_name": "chapter"}
    )
    names = [result["text"] for result in response.json()["results"]]
    assert names == ["South Carolina Consents"]


def test_county_autocomplete_for_a_coordinator_stays_in_their_states(client, chapter_rows, coordinator_a):
    client.force_login(coordinator_a)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "chapters", "model_name": "chapter", "field_name": "territory_counties", "term": "Lincoln"},
    )
    assert [r["text"] for r in response.json()["results"]] == []  # SC has no Lincoln County; WY has


def test_county_autocomplete_understands_county_comma_state(client, national, db):
    client.force_login(national)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "chapters", "model_name": "chapter", "field_name": "territory_counties", "term": "Cook, IL"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Cook County, IL"]


def test_coordinator_whose_term_ended_sees_nothing(client, chapter_rows, coordinator_a):
    Officer.objects.filter(user=coordinator_a).update(term_end=datetime.date(2025, 6, 30))
    client.force_login(coordinator_a)
    assert client.get(reverse("admin:chapters_chapter_changelist")).status_code == 403
    assert client.get(reverse("admin:chapters_chapter_change", args=[chapter_rows["chapter_a"].pk])).status_code == 404
    assert "South Carolina Consents" not in client.get("/admin/").content.decode()


def test_coordinator_cannot_change_territory_state_or_status(client, chapter_rows, coordinator_a):
    chapter = chapter_rows["chapter_a"]
    client.force_login(coordinator_a)
    url = reverse("admin:chapters_chapter_change", args=[chapter.pk])
    response = client.post(
        url,
        {
            "name": "South Carolina Consents",
            "description": "New words",
            "question": "Would you really mind if California left?",
            "status": "dormant",
            "state": "WY",
            "territory_mode": "only",
            "territory_counties": ["56021"],
            "call_timezone": "",
            "edit_version": edit_version(chapter),
            **chapter_inline_management(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    chapter.refresh_from_db()
    assert chapter.question == "Would you really mind if California left?"
    assert (chapter.status, chapter.state_id, chapter.territory_mode) == (
        "active",
        "SC",
        Chapter.TerritoryMode.WHOLE_STATE,
    )
    assert chapter.counties.filter(state="WY").count() == 0


def test_coordinator_cannot_post_officer_rows(client, chapter_rows, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:chapters_officer_add"),
        {"user": coordinator_a.pk, "chapter": chapter_rows["chapter_b"].pk, "role": "coordinator", "title": "Me",
         "term_start": "2026-01-01"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Officer.objects.filter(user=coordinator_a, chapter=chapter_rows["chapter_b"]).exists()


def test_coordinator_cannot_attach_a_social_page_to_another_chapter(client, chapter_rows, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        reverse("admin:chapters_socialpage_add"),
        {"chapter": chapter_rows["chapter_b"].pk, "platform": "x", "url": "https://x.example/hijack"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not chapter_rows["chapter_b"].social_pages.filter(url="https://x.example/hijack").exists()


def test_status_actions_are_for_national_coordinators_only(client, chapter_rows, coordinator_a, national):
    chapter_a, chapter_b = chapter_rows["chapter_a"], chapter_rows["chapter_b"]
    changelist = reverse("admin:chapters_chapter_changelist")
    client.force_login(coordinator_a)
    response = client.post(changelist, {"action": "mark_dormant", "_selected_action": [chapter_a.pk, chapter_b.pk]})
    assert Chapter.objects.filter(status="dormant").count() == 0
    assert response.status_code in (200, 302)

    client.force_login(national)
    client.post(changelist, {"action": "mark_dormant", "_selected_action": [chapter_a.pk, chapter_b.pk]})
    assert set(Chapter.objects.filter(status="dormant").values_list("slug", flat=True)) == {"south-carolina", "wyoming"}
    assert chapter_a.status_changes.get().changed_by == national
    history = client.get(reverse("admin:chapters_chapter_history", args=[chapter_a.pk])).content.decode()
    assert "Status changed from Active to Dormant" in history


def test_invitation_page_for_every_role_never_shows_another_account(client, request, chapter_rows, coordinator_b):
    from chapters.onboarding import make_invitation_token

    for role in ROLES:
        client.logout()
        login_as(client, request, role)
        coordinator_b.refresh_from_db()  # logging in (as B) changes the account, which spends older links
        token = make_invitation_token(coordinator_b)
        assert client.get("/chapters/invitation/not-a-token/").status_code == 400
        response = client.get(f"/chapters/invitation/{token}/")
        # The link itself is the credential: whoever holds it sees the invitation, and only that.
        assert response.status_code == 200
        assert "coord-b@example.org" in response.content.decode()
        assert "coord-a@example.org" not in response.content.decode()


def test_coordinator_cannot_make_themselves_national(client, chapter_rows, coordinator_a):
    client.force_login(coordinator_a)
    assert client.get(f"/admin/members/user/{coordinator_a.pk}/change/").status_code == 403
    response = client.post(f"/admin/members/user/{coordinator_a.pk}/change/", {"is_superuser": "on"})
    assert response.status_code == 403
    assert client.get("/admin/auth/group/").status_code in (403, 404)
    coordinator_a.refresh_from_db()
    assert not coordinator_a.is_national_coordinator
