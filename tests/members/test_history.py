"""Membership history: who is counted, where, and only once.

The growth figures and every chapter's count are sums over MembershipEvent, so a workflow
that writes one event too many (or too few, or in the wrong place) makes them lie for good.
"""

import re

import pytest

from chapters.models import Chapter, County, State, ZipCode
from dashboards import growth
from members.models import Member, MembershipEvent, send_invitation
from tests.factories import (
    PASSWORD,
    SC_ZIP,
    WY_ZIP,
    confirmation_path,
    edit_version,
    import_member,
    join_form,
    make_member,
)


def figures(*chapters: Chapter) -> list:
    """What the dashboard's history shows for each chapter and nationally."""
    return [growth.members_over_time(growth.Scope(chapters=[c])) for c in chapters] + [
        growth.members_over_time(growth.Scope(chapters=None))
    ]


def test_claiming_an_imported_account_writes_no_second_join(client, chapter_a, mailoutbox):
    imported = import_member("dale.d@example.net", SC_ZIP, first_name="Dale", last_name="Dunn")
    joined_at = imported.joined_at
    before = figures(chapter_a)
    send_invitation(member=imported, actor=None, base_url="http://testserver")
    path = re.search(r"https?://[^/\s]+(/join/claim/\S+/)", mailoutbox[0].body).group(1)

    response = client.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.status == Member.Status.ACTIVE
    assert imported.joined_at == joined_at  # membership began at the import, not at the claim
    assert list(imported.events.values_list("kind", "source")) == [("joined", "import")]
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 1
    assert figures(chapter_a) == before


def test_a_pending_member_who_moves_or_leaves_writes_no_history(as_role, chapter_a, chapter_b):
    # Signed up in chapter A, address not verified: not counted anywhere yet.
    pending = make_member("pat.p@example.net", SC_ZIP, status=Member.Status.PENDING, last_name="Pending")
    assert pending.chapter == chapter_a
    client = as_role("national")

    response = client.post(
        f"/admin/members/member/{pending.pk}/change/",
        {"first_name": "Pat", "last_name": "Pending", "zip_code": WY_ZIP, "phone": "",
         "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
         "consents-TOTAL_FORMS": "0", "consents-INITIAL_FORMS": "0",
         "tag_links-TOTAL_FORMS": "0", "tag_links-INITIAL_FORMS": "0", "edit_version": edit_version(pending)},
    )  # fmt: skip
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.chapter == chapter_b  # moved to chapter B's ZIP...
    assert not MembershipEvent.objects.exists()  # ...and neither chapter gained or lost anyone

    response = client.post("/admin/members/member/", {"action": "mark_left", "_selected_action": [pending.pk]})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Member.Status.LEFT
    assert not MembershipEvent.objects.exists()
    for chapter in (chapter_a, chapter_b):
        assert MembershipEvent.objects.net_for(chapter=chapter) == 0
        assert MembershipEvent.objects.net_for(state=chapter.state) == 0
    assert figures(chapter_a, chapter_b) == [[], [], []]


@pytest.fixture
def cross_state_zip(db) -> ZipCode:
    """New Pine Creek, Oregon, whose ZIP the `zipcodes` package puts in Modoc County, California.

    chapters/geo.py looks a ZIP's county up within the ZIP's own state, so it loads none of
    the package's few cross-state ZIPs (97635, 15439, 30138...): the row is made here.
    """
    zip_code = ZipCode.objects.create(
        code="97635", city="New Pine Creek", state_id="OR", timezone="America/Los_Angeles"
    )
    zip_code.counties.add(County.objects.get(state="CA", name="Modoc County"))
    return zip_code


@pytest.fixture
def california(db) -> Chapter:
    chapter = Chapter.objects.create(
        name="California Consents", slug="california", state=State.objects.get(code="CA"), status=Chapter.Status.ACTIVE
    )
    chapter.set_territory(mode=Chapter.TerritoryMode.WHOLE_STATE)
    return chapter


def test_a_member_whose_zip_lies_in_another_states_county_belongs_to_the_countys_state(
    client, cross_state_zip, california, mailoutbox
):
    client.post("/join/", join_form(zip_code=cross_state_zip.code))
    client.post(confirmation_path(mailoutbox[0].body))
    member = Member.objects.get(user__email="jo@example.net")
    assert (member.county.name, member.state_id, member.chapter) == ("Modoc County", "CA", california)
    assert list(member.events.values_list("to_state", "to_chapter")) == [("CA", california.pk)]

    imported = import_member("dale.d@example.net", cross_state_zip.code)
    assert (imported.state_id, imported.chapter) == ("CA", california)
    assert MembershipEvent.objects.net_for(state=california.state) == 2
    assert MembershipEvent.objects.net_for(state=State.objects.get(code="OR")) == 0
    assert Member.objects.count_for(state=State.objects.get(code="OR")) == 0
