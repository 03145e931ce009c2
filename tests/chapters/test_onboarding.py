import re
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from chapters.models import Chapter, County, Officer
from chapters.onboarding import make_invitation_token
from lib.roles import CHAPTER_COORDINATORS
from members.models import User
from tests.factories import make_staff_mfa

ONBOARD = "/admin/chapters/chapter/onboard/"


def onboarding_data(**overrides) -> dict:
    data = {
        "state": "NY",
        "territory_mode": "except",
        "counties": [c.fips for c in County.objects.filter(state="NY", name__in=["Kings County", "Bronx County"])],
        "name": "Red New York",
        "coordinators-TOTAL_FORMS": "1",
        "coordinators-INITIAL_FORMS": "0",
        "coordinators-MIN_NUM_FORMS": "1",
        "coordinators-MAX_NUM_FORMS": "10",
        "coordinators-0-first_name": "Rita",
        "coordinators-0-last_name": "Vance",
        "coordinators-0-email": "Rita.Vance@Example.org",
        "coordinators-0-title": "State coordinator",
    }
    return data | overrides


def invitation_link(message) -> str:
    return re.search(r"https?://testserver(/chapters/invitation/[^/\s]+/)", message.body).group(1)


def test_onboarding_end_to_end(client, national, mailoutbox, django_capture_on_commit_callbacks, chapter_b):
    client.force_login(national)
    assert "Onboard a state group" in client.get("/admin/chapters/chapter/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ONBOARD, onboarding_data())
    chapter = Chapter.objects.get(slug="red-new-york")
    assert response.status_code == 302
    assert response.url == reverse("admin:chapters_chapter_change", args=[chapter.pk])
    assert chapter.status == Chapter.Status.FORMING
    assert chapter.territory_in_words() == "All of New York except Bronx County and Kings County"
    assert chapter.counties.count() == County.objects.filter(state="NY").count() - 2

    rita = User.objects.get(email="rita.vance@example.org")
    assert rita.is_staff
    assert not rita.has_usable_password()
    assert rita.groups.filter(name=CHAPTER_COORDINATORS).exists()
    assert EmailAddress.objects.get(user=rita).verified
    assert Officer.objects.current().coordinators().get(user=rita).chapter == chapter
    assert LogEntry.objects.filter(object_id=str(chapter.pk), change_message="Chapter onboarded").exists()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["rita.vance@example.org"]
    assert "Red New York" in mail.subject
    assert mail.alternatives[0][1] == "text/html"  # the HTML part of the triplet
    assert "expires in 7 days" in mail.body
    link = invitation_link(mail)

    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a password" in page.content.decode()
    response = client.post(link, {"new_password1": "a-long-new-password-7", "new_password2": "a-long-new-password-7"})
    assert response.status_code == 302
    assert response.url == "/admin/"

    # Logged in now; the admin first asks for a second factor, then shows their own chapter only.
    assert client.get("/admin/chapters/chapter/").url == "/accounts/2fa/"
    make_staff_mfa(User.objects.get(email="rita.vance@example.org"))
    changelist = client.get("/admin/chapters/chapter/").content.decode()
    assert "Red New York" in changelist
    assert "Wyoming Consents" not in changelist
    assert client.get(reverse("admin:chapters_chapter_change", args=[chapter_b.pk])).status_code == 404

    # The link is single-use, and the new password works through allauth.
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    login = client.post("/accounts/login/", {"login": "rita.vance@example.org", "password": "a-long-new-password-7"})
    assert login.status_code == 302


def test_onboarding_finds_an_existing_account(client, national, member, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(national)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ONBOARD, onboarding_data(**{"coordinators-0-email": "MEMBER@example.org"}))
    member.refresh_from_db()
    assert member.is_staff
    assert member.first_name == "Mem"  # their own name is kept
    assert User.objects.filter(email__iexact="member@example.org").count() == 1
    assert [m.to for m in mailoutbox] == [["member@example.org"]]


def test_onboarding_with_two_coordinators_invites_both(
    client, national, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(national)
    extra = {"coordinators-TOTAL_FORMS": "2", "coordinators-1-first_name": "Sam", "coordinators-1-last_name": "Ortiz",
             "coordinators-1-email": "sam@example.org", "coordinators-1-title": "Deputy coordinator"}  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ONBOARD, onboarding_data(territory_mode="whole_state", counties=[], **extra))
    assert sorted(m.to[0] for m in mailoutbox) == ["rita.vance@example.org", "sam@example.org"]
    assert Chapter.objects.get(slug="red-new-york").officers.count() == 2


def test_overlapping_onboarding_names_the_clash_and_saves_nothing(
    client, national, chapter_a, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(national)
    data = onboarding_data(state="SC", name="Upstate Consents", territory_mode="only",
                           counties=[County.objects.get(state="SC", name="Greenville County").fips])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ONBOARD, data)
    assert response.status_code == 200
    assert "Greenville County already belongs to South Carolina Consents." in response.content.decode()
    assert not Chapter.objects.filter(name="Upstate Consents").exists()
    assert not User.objects.filter(email="rita.vance@example.org").exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "South Carolina Consents"}, "already exists"),
        ({"name": "Find"}, "would clash with a page"),
        ({"territory_mode": "only", "counties": []}, "List the counties the chapter covers."),
        ({"counties": ["17031"]}, "Cook County, IL is not in New York."),
        ({"coordinators-0-email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "Red\nNew York"}, "Remove the invisible control characters (U+000A)"),
        ({"coordinators-0-first_name": "Ri\x08ta"}, "Remove the invisible control characters (U+0008)"),
        ({"coordinators-0-title": "State\x1b[2Jcoordinator"}, "Remove the invisible control characters (U+001B)"),
        ({"coordinators-0-email": "", "coordinators-0-first_name": "", "coordinators-0-last_name": ""},
         "Please submit at least 1 form."),
        ({"coordinators-TOTAL_FORMS": "2", "coordinators-1-first_name": "Twin", "coordinators-1-last_name": "Vance",
          "coordinators-1-email": "rita.vance@example.org", "coordinators-1-title": "Twin"},
         "Each coordinator needs a different email address."),
    ],
)  # fmt: skip
def test_bad_onboarding_input_is_explained_and_changes_nothing(client, national, chapter_a, overrides, message):
    client.force_login(national)
    before = (Chapter.objects.count(), User.objects.count(), Officer.objects.count())
    response = client.post(ONBOARD, onboarding_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Chapter.objects.count(), User.objects.count(), Officer.objects.count()) == before


def test_onboarding_hands_the_new_chapter_to_the_roster_import(client, national, django_capture_on_commit_callbacks):
    client.force_login(national)
    page = client.get(ONBOARD).content.decode()
    assert 'type="file"' not in page  # no file field whose upload would be thrown away
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ONBOARD, onboarding_data(import_roster="on"))
    chapter = Chapter.objects.get(slug="red-new-york")
    assert response.url == f"/admin/members/member/import/?chapter={chapter.pk}"
    form = client.get(response.url).content.decode()
    assert f'<option value="{chapter.pk}" selected>Red New York</option>' in form


def test_onboarded_chapter_is_founded_today(client, national, django_capture_on_commit_callbacks):
    client.force_login(national)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ONBOARD, onboarding_data())
    chapter = Chapter.objects.get(slug="red-new-york")
    assert chapter.founded == timezone.localdate()
    assert timezone.localdate().strftime("%B %Y") in client.get("/chapters/red-new-york/").content.decode()


def test_a_chapter_without_a_founding_date_shows_none(client, national, coordinator_a, chapter_a):
    assert chapter_a.founded is None
    client.force_login(national)
    changelist = client.get("/admin/chapters/chapter/").content.decode()
    assert '<td class="field-founded_on"></td>' in changelist
    client.force_login(coordinator_a)
    page = client.get(f"/admin/chapters/chapter/{chapter_a.pk}/change/").content.decode()
    assert "Founded" not in page
    assert "founded" not in client.get("/chapters/south-carolina/").content.decode().lower()


def county_search(client, term: str, state: str = "") -> list[str]:
    params = {"term": term, "app_label": "chapters", "model_name": "chapter", "field_name": "territory_counties"}
    response = client.get("/admin/autocomplete/", params | ({"state": state} if state else {}))
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_onboarding_county_search_lists_only_the_chosen_states_counties(client, national):
    client.force_login(national)
    assert len({name.split(", ")[1] for name in county_search(client, "Fulton")}) > 1
    assert county_search(client, "Fulton", state="GA") == ["Fulton County, GA"]
    assert county_search(client, "Harris", state="TX") == ["Harris County, TX", "Harrison County, TX"]
    # The picker on the page asks with the chosen state once there is one.
    page = client.post(ONBOARD, onboarding_data(name="")).content.decode()
    assert 'data-ajax--url="/admin/autocomplete/?state=NY"' in page
    assert "js/onboard-counties.js" in page


def test_tampered_invitation_gets_a_clear_page(client, coordinator_a):
    token = make_invitation_token(coordinator_a)
    response = client.get(f"/chapters/invitation/{token[:-3]}xyz/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert client.get("/chapters/invitation/garbage/").status_code == 400


def test_expired_invitation_gets_a_clear_page(client, coordinator_a):
    with mock.patch("django.core.signing.time.time", return_value=1_000_000_000):
        token = make_invitation_token(coordinator_a)
    response = client.get(f"/chapters/invitation/{token}/")
    assert response.status_code == 410
    assert "expired" in response.content.decode()


def test_invitation_for_a_deactivated_account_cannot_be_used(client, coordinator_a):
    token = make_invitation_token(coordinator_a)
    User.objects.filter(pk=coordinator_a.pk).update(is_active=False)
    assert client.get(f"/chapters/invitation/{token}/").status_code == 410


def test_weak_password_on_the_invitation_is_refused(client, coordinator_a):
    link = f"/chapters/invitation/{make_invitation_token(coordinator_a)}/"
    response = client.post(link, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert client.get(link).status_code == 200  # still unused


def test_tokens_are_signed_with_their_own_salt(coordinator_a):
    token = make_invitation_token(coordinator_a)
    with pytest.raises(signing.BadSignature):
        signing.loads(token)
