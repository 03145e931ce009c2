import datetime
import itertools

import pytest
from django.utils import timezone

from chapters.models import State
from endorsements.models import Endorsement

_names = itertools.count(1)


def make_endorsement(state: str | None = "SC", status: str = Endorsement.Status.PUBLISHED, **fields) -> Endorsement:
    """An endorsement already in `status`, with the fields its constraints need."""
    now = timezone.now()
    values = {
        "kind": Endorsement.Kind.CANDIDATE,
        "name": f"Endorser {next(_names)}",
        "office": "Candidate for US Senate",
        "party": "Independent",
        "state": State.objects.get(code=state) if state else None,
        "statement": "States should consent.",
        "source_url": "https://example.org/statement",
        "made_on": datetime.date(2026, 3, 1),
        "contact_email": "endorser@example.net",
        "status": status,
    }
    if status in (Endorsement.Status.VERIFIED, Endorsement.Status.PUBLISHED):
        values |= {"verification_method": Endorsement.Method.CALL, "verification_note": "Called.", "verified_at": now}
    if status == Endorsement.Status.PUBLISHED:
        values["published_at"] = now
    if status == Endorsement.Status.REJECTED:
        values["rejection_reason"] = "Not real."
    if status == Endorsement.Status.WITHDRAWN:
        values["withdrawn_at"] = now
    values |= fields
    return Endorsement.objects.create(**values)


@pytest.fixture
def sc_endorsement(db) -> Endorsement:
    return make_endorsement("SC", Endorsement.Status.SUBMITTED, name="Sam Carolina")


@pytest.fixture
def wy_endorsement(db) -> Endorsement:
    return make_endorsement("WY", Endorsement.Status.SUBMITTED, name="Wynn Oming")


@pytest.fixture
def national_endorsement(db) -> Endorsement:
    return make_endorsement(None, Endorsement.Status.SUBMITTED, name="Nadia National")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploads in tests go to a throwaway directory, not the development media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
