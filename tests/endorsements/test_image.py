"""Endorsement images: served by a view that checks who may see them, never as a page."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from endorsements.models import Endorsement, reencode_image
from tests.factories import ROLES, make_endorsement


def with_image(endorsement: Endorsement) -> Endorsement:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(out, format="PNG")
    endorsement.image = reencode_image(SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png"))
    endorsement.save()
    return endorsement


@pytest.mark.parametrize("role", ROLES)
def test_a_published_image_is_public_and_sent_as_an_image_only(as_role, role, django_assert_max_num_queries):
    endorsement = with_image(make_endorsement("SC"))
    client = as_role(role)
    with django_assert_max_num_queries(8):
        response = client.get(endorsement.image.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.parametrize("role", ROLES)
def test_an_unpublished_image_is_shown_only_to_its_coordinators(as_role, role):
    endorsement = with_image(make_endorsement("SC", Endorsement.Status.SUBMITTED))
    response = as_role(role).get(endorsement.image.url)
    expected = {"national": 200, "coordinator_a": 200, "coordinator_b": 404, "member": 404, "anonymous": 404}
    assert response.status_code == expected[role]
    if response.status_code == 200:
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    "path",
    ["/media/endorsements/missing.png", "/media/endorsements/x.html", "/media/endorsements/..%2F..%2Fsecret_key",
     "/media/member-imports/roster.csv", "/media/endorsements/%00.png"],
)  # fmt: skip
def test_other_media_paths_are_not_found(client, db, path):
    assert client.get(path).status_code in (400, 404)
