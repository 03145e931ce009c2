"""Pages that show a person's own data are never kept by a cache on the way (`Cache-Control: private, no-store`).

coalition.middleware.PersonalPagesNotStoredMiddleware marks every answer to a logged-in person
and the pages a mailed link opens before login; tests/test_authorization.py checks every page
of the matrix for every logged-in role on top of these.
"""

import pytest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from members.models import claim_token
from tests.factories import SC_ZIP, confirmation_path, import_member, join_form, make_member

# The member's own pages: profile, data download, deletion, leaving, the welcome page and allauth's
# account pages (addresses, password, two-factor).
OWN_PAGES = [
    "/profile/",
    "/profile/data/",
    "/profile/delete/",
    "/profile/leave/",
    "/join/welcome/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/2fa/webauthn/",
]


def not_stored(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize("path", OWN_PAGES)
def test_a_members_own_page_is_not_stored_on_the_way(client, chapter_a, path):
    member = make_member("pat@example.org", SC_ZIP)
    client.force_login(member.user)
    response = client.get(path)
    assert response.status_code in (200, 302, 405), response.status_code  # leaving is a POST; GET says so
    assert not_stored(response), response.get("Cache-Control")


def test_leaving_answers_are_not_stored(client, chapter_a):
    member = make_member("pat@example.org", SC_ZIP)
    client.force_login(member.user)
    response = client.post("/profile/leave/")
    assert response.status_code == 302
    assert not_stored(response)


def test_the_admins_own_never_cache_header_is_kept(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_claim_link_page_is_not_stored_before_login(client, chapter_a):
    member = import_member("ann@example.net", SC_ZIP, first_name="Ann")
    uid = urlsafe_base64_encode(force_bytes(member.user.pk))
    response = client.get(f"/join/claim/{uid}/{claim_token(member.user)}/")
    assert response.status_code == 200
    assert chapter_a.name in response.content.decode()
    assert not_stored(response)


def test_email_confirmation_page_is_not_stored_before_login(client, chapter_a, mailoutbox):
    client.post("/join/", join_form())
    client.logout()
    response = client.get(confirmation_path(mailoutbox[-1].body))
    assert response.status_code in (200, 302)
    assert not_stored(response)


def test_public_pages_for_visitors_stay_cacheable(client, chapter_a):
    response = client.get("/")
    assert response.status_code == 200
    assert "Cache-Control" not in response
