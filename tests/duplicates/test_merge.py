"""Merging two people: every related row moves to the kept person, nothing is lost silently."""

import datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from broadcasts.models import Broadcast, Recipient
from chapters.models import Officer, SocialPage, StatusChange
from dashboards.models import ReachSnapshot
from digests.models import DailyDigest, DigestPreference, InstantNotice, WelcomeMail
from duplicates.merge import POLICIES, MergeRefused, merge_members, relations, unhandled
from duplicates.models import DismissedPair
from events.models import RSVP, Event
from lib import audit
from members.models import ConsentRecord, Member, MemberAccess, MemberExport, MembershipEvent, User
from question.models import Answer
from segments.models import Segment
from tags.models import MemberTag, Tag
from tests.factories import make_endorsement, make_event, make_member, make_officer

KEEP_ALL = {}


def rows_pointing_at(model, fk, pk) -> int:
    return model._default_manager.filter(**{fk.attname: pk}).count()


def target_ids(member: Member) -> dict:
    return {User: member.user_id, Member: member.pk}


def give_everything(person: Member, other: Member, actor: User, chapter) -> None:
    """One row of every relation the project has, for `person` (and a colliding one where there can be)."""
    user = person.user
    MemberAccess.objects.create(member=person, actor=user, action=MemberAccess.Action.VIEWED)
    MemberExport.objects.record(members=Member.objects.filter(pk=person.pk), actor=user)
    audit.record(user, person, "Something the person did.")
    make_officer(user, chapter, f"Treasurer {user.pk}")
    StatusChange.objects.create(chapter=chapter, from_status="active", to_status="active", changed_by=user)
    page = SocialPage.objects.create(chapter=chapter, platform="facebook", url=f"https://fb.example/{user.pk}")
    ReachSnapshot.objects.create(social_page=page, date=datetime.date(2026, 1, 1), followers=1, recorded_by=user)
    endorsement = make_endorsement(user=user, verified_by=user, slug=f"e-{user.pk}")
    endorsement.withdrawn_by = user
    endorsement.save()
    shared = Event.objects.filter(title="Shared").first() or make_event(chapter, title="Shared")
    RSVP.objects.create(occurrence=shared.occurrences.get(), user=user, email=user.email)  # both: a repeat
    shared.hosts.add(user)  # both host it: a repeat
    own = make_event(chapter, title=f"Event of {user.pk}", proposed_by=user)
    RSVP.objects.create(occurrence=own.occurrences.get(), user=user, email=user.email)
    tag, _ = Tag.objects.get_or_create(name="volunteer", chapter=chapter)
    MemberTag.objects.create(member=person, tag=tag, added_by=actor)  # both: a repeat
    own_tag = Tag.objects.create(name=f"own {user.pk}", chapter=chapter)
    MemberTag.objects.create(member=person, tag=own_tag, added_by=user)
    Segment.objects.create(name=f"Segment of {user.pk}", chapter=chapter, owner=user, definition={})
    own_letter = Broadcast.objects.create(subject=f"From {user.pk}", body="Hi", chapter=chapter, created_by=user,
                                          sent_by=user)  # fmt: skip
    shared_letter = Broadcast.objects.filter(subject="Shared").first() or Broadcast.objects.create(
        subject="Shared", body="Hi", chapter=chapter
    )
    for broadcast in (own_letter, shared_letter):  # both were sent the shared one: a repeat
        Recipient.objects.create(broadcast=broadcast, member=person, email=user.email)
    WelcomeMail.objects.get_or_create(member=person)
    DigestPreference.objects.get_or_create(user=user)
    DailyDigest.objects.create(user=user, chapter=chapter, day=datetime.date(2026, 1, 1), events=1)
    InstantNotice.objects.create(user=user, event=MembershipEvent.objects.filter(member=person).first(),
                                 chapter=chapter)  # fmt: skip
    Answer.objects.create(user=user, choice="yes")
    third = make_member(f"third-{user.pk}@example.org", "29201", first_name="Unrelated", last_name=f"X{user.pk}")
    DismissedPair.dismiss(person, third, user)
    DismissedPair.dismiss(person, other, user)  # the twins themselves: forgotten once they are one
    ConsentRecord.objects.create(member=person, topic=ConsentRecord.Topic.EMAIL_UPDATES, given=True, source="admin")


def test_every_relation_to_members_and_accounts_has_a_merge_policy():
    """A new model pointing at a member or an account (tags, events, broadcasts...) needs an entry in
    duplicates/merge.py's POLICIES: what a merge does with the dropped person's rows."""
    assert unhandled() == [], f"add a merge policy (duplicates/merge.py POLICIES) for: {unhandled()}"
    assert set(POLICIES) == {key for key, _, _ in relations()}, "a policy for a relation that no longer exists"


def test_relations_are_discovered_hidden_ones_and_many_to_many_tables_included():
    keys = {key for key, _, _ in relations()}
    assert "members.memberaccess.actor" in keys  # related_name="+"
    assert "members.user_groups.user" in keys  # the many-to-many's table
    assert "members.consentrecord.member" in keys


def test_merge_moves_every_related_row_to_the_kept_person(chapter_a, coordinator_a, twins):
    kept, dropped = twins
    give_everything(kept, dropped, coordinator_a, chapter_a)
    give_everything(dropped, kept, coordinator_a, chapter_a)
    before = {
        key: (rows_pointing_at(model, fk, target_ids(kept)[fk.related_model]),
              rows_pointing_at(model, fk, target_ids(dropped)[fk.related_model]))
        for key, model, fk in relations()
    }  # fmt: skip
    assert all(d for k, (_, d) in before.items() if k not in
               ("members.member.user", "mfa.authenticator.user", "members.user_groups.user",
                "members.user_user_permissions.user")), {k: v for k, v in before.items() if not v[1]}  # fmt: skip

    # Dismissals by either of them survive unless they are about the dropped person (forgotten).
    dismissals = DismissedPair.objects.filter(dismissed_by__in=[kept.user, dropped.user]).exclude(low=dropped)
    surviving = DismissedPair.objects.exclude(low=dropped).exclude(high=dropped)
    surviving_dismissals = {
        "duplicates.dismissedpair.dismissed_by": dismissals.exclude(high=dropped).count(),
        "duplicates.dismissedpair.low": surviving.filter(low=kept).count(),
        "duplicates.dismissedpair.high": surviving.filter(high=kept).count(),
    }

    merge = merge_members(kept=kept, dropped=dropped, choices=KEEP_ALL, actor=coordinator_a)

    assert not Member.objects.filter(pk=dropped.pk).exists()
    assert not User.objects.filter(pk=dropped.user_id).exists()
    for key, model, fk in relations():
        if key == "members.member.user":
            continue
        kept_before, dropped_before = before[key]
        after = rows_pointing_at(model, fk, target_ids(kept)[fk.related_model])
        expected = kept_before + dropped_before - merge.discarded.get(key, 0)
        if key == "members.membershipevent.member":
            expected += 1  # the dropped person's departure, recorded by the merge
        expected = surviving_dismissals.get(key, expected)
        assert after == expected, f"{key}: {after} rows for the kept person, expected {expected}"
    # The deliberate collisions: one answer a person, one attendance per call occurrence.
    assert merge.discarded["question.answer.user"] == 1
    assert merge.discarded["events.rsvp.user"] == 1
    assert merge.discarded["events.event_hosts.user"] == 1
    assert merge.discarded["tags.membertag.member"] == 1
    assert merge.discarded["broadcasts.recipient.member"] == 1
    assert merge.discarded["duplicates.dismissedpair.low"] + merge.discarded.get("duplicates.dismissedpair.high", 0)
    assert Answer.objects.filter(user=kept.user).count() == 1
    # The export that included the dropped person now lists the kept one (once).
    export = MemberExport.objects.filter(actor=kept.user).defer(None).order_by("pk").last()
    assert MemberExport.objects.including(kept).count() == 2
    assert dropped.pk not in MemberExport.objects.defer(None).get(pk=export.pk).member_ids


def test_both_addresses_stay_addresses_of_the_kept_account(twins, coordinator_a):
    kept, dropped = twins
    merge_members(kept=kept, dropped=dropped, choices={"email": "dropped"}, actor=coordinator_a)
    user = User.objects.get(pk=kept.user_id)
    assert user.email == "patricia.doe@example.net"
    addresses = {(a.email, a.primary) for a in EmailAddress.objects.filter(user=user)}
    assert addresses == {("pat.doe@example.org", False), ("patricia.doe@example.net", True)}


def test_chosen_values_are_kept_and_the_dropped_ones_are_in_the_history(twins, coordinator_a):
    kept, dropped = twins
    merge_members(kept=kept, dropped=dropped, choices={"first_name": "dropped"}, actor=coordinator_a)
    kept.refresh_from_db()
    kept.user.refresh_from_db()
    assert (kept.user.first_name, kept.user.last_name, kept.ref) == ("Patricia", "Doe", "flyer")
    assert kept.status == Member.Status.ACTIVE
    assert kept.email_updates
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Member), object_id=str(kept.pk), user=coordinator_a
    ).latest("pk")
    assert "Merged with patricia.doe@example.net" in entry.change_message
    assert "First name: Pat" in entry.change_message  # the kept record's own first name, replaced


def test_membership_history_counts_one_person_after_the_merge(twins, coordinator_a, chapter_a):
    kept, dropped = twins
    net_before = MembershipEvent.objects.net_for(chapter=chapter_a)
    merge_members(kept=kept, dropped=dropped, choices=KEEP_ALL, actor=coordinator_a)
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == net_before - 1
    assert Member.objects.counted().filter(chapter=chapter_a).count() == net_before - 1


def test_consent_given_by_the_dropped_record_is_recorded_when_chosen(coordinator_a, chapter_a):
    kept = make_member("k@example.org", "29201", first_name="Ann", last_name="Lee")
    dropped = make_member("d@example.org", "29201", first_name="Ann", last_name="Lee", text_messages=True)
    merge_members(kept=kept, dropped=dropped, choices={"text_messages": "dropped"}, actor=coordinator_a)
    kept.refresh_from_db()
    assert kept.text_messages
    assert kept.consents.filter(topic=ConsentRecord.Topic.TEXT_MESSAGES, given=True).count() == 2  # moved + admin


def test_staff_accounts_are_not_merged(twins, coordinator_a, chapter_a):
    kept, dropped = twins
    User.objects.filter(pk=dropped.user_id).update(is_staff=True)
    dropped.user.refresh_from_db()
    with pytest.raises(MergeRefused):
        merge_members(kept=kept, dropped=dropped, choices=KEEP_ALL, actor=coordinator_a)
    assert Member.objects.filter(pk=dropped.pk).exists()


def test_one_account_per_email_whatever_the_case(db):
    User.objects.create_user("Sam@Example.org")
    assert User.objects.get().email == "sam@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SAM@example.org")
    assert not Officer.objects.exists()


def test_merge_refuses_people_outside_the_actors_chapters(twins, coordinator_b):
    kept, dropped = twins
    with pytest.raises(MergeRefused):
        merge_members(kept=kept, dropped=dropped, choices=KEEP_ALL, actor=coordinator_b)
    assert Member.objects.filter(pk__in=[kept.pk, dropped.pk]).count() == 2
