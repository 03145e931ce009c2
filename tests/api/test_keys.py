"""Keys are made in the admin by coordinators for their own chapters, shown once, kept hashed, and revoked there."""

import re

from django.contrib.admin.models import LogEntry

from api.models import ApiKey, digest
from tests.api.helpers import headers, make_key


def add_key(client, **fields):
    data = {"name": "Action Network sync", "chapter": "", "scope": "read", "expires_at_0": "", "expires_at_1": ""}
    return client.post("/admin/api/apikey/add/", {**data, **fields})


def shown_token(response) -> str:
    match = re.search(r">(coal_[0-9a-f]{8}_[A-Za-z0-9_-]+)</textarea>", response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def test_a_coordinator_makes_a_key_for_their_chapter_and_sees_it_once(client, coordinator_a, chapter_a):
    client.force_login(coordinator_a)
    response = add_key(client, chapter=chapter_a.pk, scope="write")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = shown_token(response)
    key = ApiKey.objects.get()
    assert (key.created_by, key.chapter, key.scope) == (coordinator_a, chapter_a, "write")
    assert key.hashed == digest(token)
    assert token not in {key.hashed, key.prefix, key.name}
    assert LogEntry.objects.filter(object_id=str(key.pk), action_flag=1).exists()
    change = client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert token not in change
    assert key.prefix in change
    assert client.get("/api/people/", **headers(token)).status_code == 200


def test_a_coordinator_cannot_make_a_key_for_another_chapter_or_for_every_chapter(client, coordinator_a, chapter_b):
    client.force_login(coordinator_a)
    for chapter in (chapter_b.pk, ""):
        response = add_key(client, chapter=chapter)
        assert response.status_code == 200
        assert "errornote" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_national_coordinator_makes_a_key_for_every_chapter(client, national):
    client.force_login(national)
    token = shown_token(add_key(client))
    assert ApiKey.objects.get().chapter is None
    assert client.get("/api/people/", **headers(token)).status_code == 200


def test_revoking_in_the_admin_stops_the_key_at_once(client, coordinator_a, chapter_a):
    key, token = make_key(coordinator_a, chapter_a)
    assert client.get("/api/people/", **headers(token)).status_code == 200
    client.force_login(coordinator_a)
    response = client.post("/admin/api/apikey/", {"action": "revoke_selected", "_selected_action": [key.pk]})
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_by == coordinator_a
    assert LogEntry.objects.filter(object_id=str(key.pk), change_message="Revoked.").exists()
    client.logout()
    assert client.get("/api/people/", **headers(token)).status_code == 401


def test_the_keys_page_shows_its_recent_requests(client, coordinator_a, chapter_a):
    key, token = make_key(coordinator_a, chapter_a)
    client.get("/api/people/?per_page=5", **headers(token))
    client.force_login(coordinator_a)
    page = client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    assert "GET /api/people/?per_page=5 → 200" in page


def test_coordinator_b_does_not_see_chapter_as_keys(client, coordinator_a, coordinator_b, chapter_a):
    key, _ = make_key(coordinator_a, chapter_a, name="Key of A")
    client.force_login(coordinator_b)
    assert "Key of A" not in client.get("/admin/api/apikey/").content.decode()
    assert client.get(f"/admin/api/apikey/{key.pk}/change/").status_code in (302, 403, 404)
