"""Members' personal data appears on no public page or feed: every public URL, rendered with the demo data."""

import re

from django.core.management import call_command

from chapters.models import Chapter
from endorsements.models import Endorsement
from members.models import Member
from tests.pages import PAGES


def public_paths() -> list[str]:
    paths = [page.path for page in PAGES.values() if isinstance(page.path, str) and 200 in page.expected["anonymous"]]
    paths += [f"/chapters/{slug}/" for slug in Chapter.objects.values_list("slug", flat=True)]
    paths += [e.get_absolute_url() for e in Endorsement.objects.published()]
    paths += [f"/api/chapters/{slug}/" for slug in Chapter.objects.values_list("slug", flat=True)]
    paths += [f"/api/endorsements/{slug}/" for slug in Endorsement.objects.published().values_list("slug", flat=True)]
    paths += ["/api/endorsements/?page=2&per_page=5"]
    paths += ["/endorsements/?page=2", "/chapters/find/?zip=29201", "/chapters/find/?zip=10001", "/join/ny/"]
    return paths


def test_no_public_page_shows_a_members_email_phone_or_address(client, db):
    call_command("load_demo")
    members = list(Member.objects.select_related("user", "zip_code"))
    assert len(members) > 30
    emails = {m.user.email for m in members}
    phones = {str(m.phone) for m in members if m.phone}
    national_phones = {re.sub(r"^\+1", "", p) for p in phones}
    assert phones, "the demo data should hold phone numbers for this test to mean something"

    checked = 0
    for path in public_paths():
        response = client.get(path, follow=True)
        assert response.status_code in (200, 400), path  # 400: a clear page for a bad link
        html = response.content.decode()
        for secret in emails | phones | national_phones:
            assert secret not in html, f"{path} shows {secret}"
        checked += 1
    assert checked > 40
