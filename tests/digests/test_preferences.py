"""The page where a chapter coordinator chooses the daily digest, instant notices or nothing."""

import pytest

from digests.models import DigestPreference


def test_a_coordinator_sees_the_daily_digest_chosen_by_default(as_role, django_assert_max_num_queries):
    client = as_role("coordinator_a")
    with django_assert_max_num_queries(8):
        response = client.get("/digests/")
    assert response.status_code == 200
    assert b"South Carolina Consents" in response.content
    assert b'value="daily" id="id_frequency_0" required checked' in response.content


@pytest.mark.parametrize("frequency", ["off", "instant", "daily"])
def test_a_coordinator_chooses_how_to_hear_of_members(as_role, coordinator_a, frequency):
    response = as_role("coordinator_a").post("/digests/", {"frequency": frequency})
    assert response.status_code == 302
    assert DigestPreference.of(coordinator_a) == frequency


@pytest.mark.parametrize("data", [{"frequency": "hourly"}, {}, {"frequency": "off\x00"}])
def test_a_bad_choice_is_refused_with_a_message_and_changes_nothing(as_role, coordinator_a, data):
    DigestPreference.objects.create(user=coordinator_a, frequency="instant")
    response = as_role("coordinator_a").post("/digests/", data)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert b'class="errorlist"' in response.content
    assert DigestPreference.of(coordinator_a) == "instant"


def test_people_who_coordinate_no_chapter_have_no_such_page(as_role, member):
    assert as_role("member").post("/digests/", {"frequency": "off"}).status_code == 403
    assert not DigestPreference.objects.exists()


def test_the_admin_links_to_the_page(as_role):
    response = as_role("coordinator_a").get("/admin/")
    assert b'href="/digests/"' in response.content
