import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from endorsements.models import Endorsement
from tests.factories import make_endorsement

S = Endorsement.Status


def history(endorsement: Endorsement) -> list[str]:
    return list(
        LogEntry.objects.filter(object_id=str(endorsement.pk))
        .order_by("action_time")
        .values_list("change_message", flat=True)
    )


def test_whole_lifecycle_writes_history(national):
    endorsement = make_endorsement("SC", S.UNCONFIRMED)
    endorsement.confirm_contact()
    endorsement.verify(national, Endorsement.Method.OFFICIAL_EMAIL, "Mail from senate.example.gov")
    endorsement.publish(national)
    endorsement.feature(national)
    endorsement.withdraw(by=national)
    endorsement.refresh_from_db()
    assert endorsement.status == S.WITHDRAWN
    assert endorsement.featured is False
    assert endorsement.withdrawn_by == national
    assert endorsement.verified_by == national
    assert history(endorsement) == [
        "Contact email confirmed by the endorser; submitted for review.",
        "Verified (Email from an official domain): Mail from senate.example.gov",
        "Published.",
        "Featured.",
        "Withdrawn by a coordinator.",
    ]
    actors = LogEntry.objects.filter(object_id=str(endorsement.pk)).values_list("user__email", flat=True)
    assert list(actors).count("nat@example.org") == 4


def test_reject_needs_a_reason_and_records_it(national):
    endorsement = make_endorsement("SC", S.SUBMITTED)
    with pytest.raises(ValidationError):
        endorsement.reject(national, "   ")
    endorsement.refresh_from_db()
    assert endorsement.status == S.SUBMITTED
    endorsement.reject(national, "Could not reach them.")
    endorsement.refresh_from_db()
    assert (endorsement.status, endorsement.rejection_reason) == (S.REJECTED, "Could not reach them.")
    assert history(endorsement) == ["Rejected: Could not reach them."]


def test_endorser_withdrawal_is_attributed_to_nobody(db):
    endorsement = make_endorsement("SC", S.PUBLISHED)
    endorsement.withdraw()
    endorsement.refresh_from_db()
    assert endorsement.withdrawn_by is None
    assert history(endorsement) == ["Withdrawn by the endorser through their link."]


@pytest.mark.parametrize(
    ("status", "verb"),
    [
        (S.UNCONFIRMED, lambda e, u: e.verify(u, "call", "note")),
        (S.SUBMITTED, lambda e, u: e.publish(u)),
        (S.SUBMITTED, lambda e, u: e.feature(u)),
        (S.VERIFIED, lambda e, u: e.feature(u)),
        (S.PUBLISHED, lambda e, u: e.verify(u, "call", "note")),
        (S.PUBLISHED, lambda e, u: e.reject(u, "reason")),
        (S.PUBLISHED, lambda e, u: e.confirm_contact()),
        (S.REJECTED, lambda e, u: e.publish(u)),
        (S.REJECTED, lambda e, u: e.withdraw(by=u)),
        (S.WITHDRAWN, lambda e, u: e.publish(u)),
        (S.WITHDRAWN, lambda e, u: e.withdraw(by=u)),
        (S.SUBMITTED, lambda e, u: e.verify(u, "rumour", "note")),
        (S.SUBMITTED, lambda e, u: e.verify(u, "call", "")),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(national, status, verb):
    endorsement = make_endorsement("SC", status)
    with pytest.raises(ValidationError):
        verb(endorsement, national)
    fresh = Endorsement.objects.get(pk=endorsement.pk)
    assert fresh.status == status
    assert history(fresh) == []


def test_featuring_twice_is_refused(national):
    endorsement = make_endorsement("SC", S.PUBLISHED, featured=True)
    with pytest.raises(ValidationError, match="already featured"):
        endorsement.feature(national)


@pytest.mark.parametrize(
    "fields",
    [
        {"status": S.VERIFIED},  # no method or note
        {"status": S.PUBLISHED, "verification_method": "call", "verification_note": "x"},  # no verified_at
        {"status": S.REJECTED},  # no reason
        {"status": S.WITHDRAWN},  # no date
        {"status": S.SUBMITTED, "featured": True},
        {"status": S.SUBMITTED, "source_url": "javascript:alert(1)"},
    ],
)
def test_database_constraints_keep_fields_consistent(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Endorsement.objects.create(kind="candidate", name="X", statement="s", made_on="2026-01-01", **fields)


def test_querysets_scope_and_queue(national, coordinator_a, coordinator_b, member, sc_endorsement, wy_endorsement,
                                   national_endorsement):  # fmt: skip
    unconfirmed = make_endorsement("SC", S.UNCONFIRMED)
    published = make_endorsement("SC", S.PUBLISHED)
    assert set(Endorsement.objects.visible_to(national)) == {
        sc_endorsement, wy_endorsement, national_endorsement, unconfirmed, published
    }  # fmt: skip
    assert set(Endorsement.objects.visible_to(coordinator_a)) == {sc_endorsement, unconfirmed, published}
    assert set(Endorsement.objects.visible_to(coordinator_b)) == {wy_endorsement}
    assert not Endorsement.objects.visible_to(member).exists()
    assert unconfirmed not in Endorsement.objects.queue()
    assert sc_endorsement in Endorsement.objects.queue()
    assert list(Endorsement.objects.published()) == [published]
    assert list(Endorsement.objects.published().for_state("SC")) == [published]
    assert not Endorsement.objects.published().for_state("WY").exists()
