"""Who viewed or exported a member's record is logged, and the member sees it on their profile."""

import json

from members.models import MemberAccess
from tests.members.conftest import SC_ZIP, WY_ZIP, make_member


def test_viewing_and_exporting_are_logged_and_shown_to_the_member(client, coordinator_a, chapter_a, chapter_b):
    mine = make_member("mine@example.net", SC_ZIP)
    other = make_member("other@example.net", WY_ZIP)

    client.force_login(coordinator_a)
    assert client.get(f"/admin/members/member/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/members/member/{other.pk}/change/").status_code in (302, 403, 404)  # not theirs
    response = client.get("/admin/members/member/export/")
    b"".join(response.streaming_content)

    assert list(MemberAccess.objects.filter(member=mine).values_list("action", "actor")) == [
        ("exported", coordinator_a.pk), ("viewed", coordinator_a.pk),
    ]  # fmt: skip
    assert not MemberAccess.objects.filter(member=other).exists()

    client.force_login(mine.user)
    html = client.get("/profile/").content.decode()
    assert "included in a csv export by Coordinator SC" in html
    assert "viewed in the admin by Coordinator SC" in html
    download = client.get("/profile/data/")
    data = json.loads(b"".join(download.streaming_content) if download.streaming else download.content)
    assert [a["action"] for a in data["record_accesses"]] == ["exported", "viewed"]

    client.force_login(other.user)
    assert "No coordinator has opened or exported your record." in client.get("/profile/").content.decode()
