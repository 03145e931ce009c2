"""Links sent by mail carry an opaque token: no address or name can be read from them.

`django.core.signing` tokens are signed, not encrypted: their payload is base64 (zlib-compressed
when that is shorter) JSON that anyone holding the mail can decode. These tests decode every
part of each mailed link the way an outsider would and look for the person in it.
"""

import base64
import binascii
import re
import zlib

from django.urls import reverse

from endorsements.models import Endorsement
from members.models import send_invitation
from tests.factories import SC_ZIP, endorsement_form, import_member

LINK = re.compile(r"https?://testserver(/\S+)")


def readable(path: str) -> str:
    """Everything an outsider can read in a link's path: each segment and each token part, decoded."""
    texts = [path]
    for segment in path.strip("/").split("/"):
        for part in segment.split(":"):
            compressed = part.startswith(".")
            try:
                raw = base64.urlsafe_b64decode(part.lstrip(".") + "=" * (-len(part.lstrip(".")) % 4))
                texts.append((zlib.decompress(raw) if compressed else raw).decode("utf-8", "replace"))
            except (binascii.Error, ValueError, zlib.error):
                continue
    return "\n".join(texts).lower()


def assert_opaque(path: str, *secrets: str) -> None:
    seen = readable(path)
    for secret in secrets:
        assert secret.lower() not in seen, f"{secret!r} can be read in the mailed link {path}"


def test_decoding_a_signed_payload_would_show_an_address():
    """The check above can see what a signed, compressed token carries."""
    from django.core import signing

    token = signing.dumps({"pk": 15, "email": "dana@whitfield.example.com"}, compress=True)
    assert "dana@whitfield.example.com" in readable(f"/endorsements/confirm/{token}/")


def test_endorsement_confirmation_link_shows_no_address_or_name(client, db, mailoutbox):
    client.post(reverse("endorsements:endorsement-submit"), endorsement_form())
    path = LINK.search(mailoutbox[0].body).group(1)
    assert path.startswith("/endorsements/confirm/")
    assert_opaque(path, "dana@whitfield.example.com", "whitfield", "Dana")


def test_endorsement_withdrawal_token_shows_no_address_or_name(client, national, mailoutbox):
    endorsement = Endorsement.objects.create(
        kind="candidate", name="Dana Whitfield", statement="Yes.", made_on="2026-04-02",
        contact_email="dana@whitfield.example.com", status="verified", verification_method="call",
        verification_note="Called.", verified_at="2026-04-03T12:00:00Z",
    )  # fmt: skip
    client.force_login(national)
    client.post(
        reverse("admin:endorsements_endorsement_changelist"),
        {"action": "publish_selected", "_selected_action": [endorsement.pk]},
    )
    path = LINK.search(mailoutbox[0].body.split("withdraw", 1)[1]).group(1)
    slug, token = re.fullmatch(r"/endorsements/([^/]+)/withdraw/([^/]+)/", path).groups()
    # The slug is the address of the endorsement's public page, mailed once it is published.
    assert slug == endorsement.slug
    assert_opaque(f"/{token}/", "dana@whitfield.example.com", "whitfield", "Dana")


def test_member_claim_link_shows_no_address_or_name(chapter_a, mailoutbox):
    member = import_member("kim.quarles@example.net", SC_ZIP, first_name="Kim", last_name="Quarles")
    assert send_invitation(member=member, actor=None, base_url="http://testserver")
    path = LINK.search(mailoutbox[0].body).group(1)
    assert path.startswith("/join/claim/")
    assert_opaque(path, "kim.quarles@example.net", "Quarles", "Kim")


def test_coordinator_invitation_link_shows_no_address_or_name(
    client, national, chapter_b, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.chapters.test_onboarding import ONBOARD, onboarding_data

    client.force_login(national)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ONBOARD, onboarding_data())
    path = LINK.search(mailoutbox[0].body).group(1)
    assert path.startswith("/chapters/invitation/")
    assert_opaque(path, "rita.vance@example.org", "Vance", "Rita")
