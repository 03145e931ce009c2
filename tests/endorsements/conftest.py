import pytest

from endorsements.models import Endorsement
from tests.factories import make_endorsement


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
