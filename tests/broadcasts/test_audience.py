"""Who a broadcast reaches: its chapter's or the definition's members, within the sender's scope,
and only those who agreed to email updates, count as members and are not suppressed."""

import pytest

from broadcasts.models import Broadcast, Recipient, Suppression, materialise
from tests.broadcasts.conftest import emails


def test_a_chapter_broadcast_reaches_its_consenting_members_only(people, broadcast_a, coordinator_a):
    assert emails(broadcast_a.audience(coordinator_a)) == ["abe@example.net", "ann@example.net"]


def test_a_suppressed_address_is_never_in_an_audience(people, broadcast_a, coordinator_a):
    Suppression.objects.create(email="ann@example.net", reason=Suppression.Reason.BOUNCED)
    assert emails(broadcast_a.audience(coordinator_a)) == ["abe@example.net"]


def test_national_everyone_reaches_every_chapter_and_members_without_one(people, national):
    broadcast = Broadcast(definition={"everyone": True})
    assert emails(broadcast.audience(national)) == [
        "abe@example.net", "ann@example.net", "bob@example.net", "cal@example.net"
    ]  # fmt: skip
    no_chapter = Broadcast(definition={"no_chapter": True})
    assert emails(no_chapter.audience(national)) == ["cal@example.net"]


@pytest.mark.parametrize(
    "definition",
    [{"everyone": True}, {"states": ["WY", "CA"]}, {"no_chapter": True}, {}, {"counties": ["56021"]}],
)
def test_hostile_definitions_never_reach_beyond_a_coordinators_chapters(people, coordinator_a, chapter_b, definition):
    """A chapter coordinator's broadcast naming other places, or another chapter, holds only their members."""
    broadcast = Broadcast(definition=definition)
    assert set(emails(broadcast.audience(coordinator_a))) <= {"abe@example.net", "ann@example.net"}
    other_chapter = Broadcast(definition=definition, chapter=chapter_b)
    assert emails(other_chapter.audience(coordinator_a)) == []


def test_materialising_writes_one_row_per_recipient_once(people, broadcast_a, coordinator_a):
    broadcast_a.sent_by = coordinator_a
    assert materialise(broadcast_a) == 2
    assert materialise(broadcast_a) == 0, "a second run adds nobody twice"
    rows = Recipient.objects.filter(broadcast=broadcast_a)
    assert sorted(rows.values_list("email", "state")) == [("abe@example.net", "queued"), ("ann@example.net", "queued")]


def test_the_audience_is_taken_in_the_senders_scope(people, broadcast_a, coordinator_b):
    broadcast_a.sent_by = coordinator_b  # not a coordinator of chapter A
    assert materialise(broadcast_a) == 0
