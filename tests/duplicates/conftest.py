import pytest

from tests.factories import make_member


@pytest.fixture
def twins(chapter_a):
    """The same person twice in chapter A: joined online, then imported under another address."""
    online = make_member("pat.doe@example.org", "29201", first_name="Pat", last_name="Doe", phone="+18035550101",
                         email_updates=True, ref="flyer")  # fmt: skip
    roster = make_member("patricia.doe@example.net", "29201", status="imported", first_name="Patricia",
                         last_name="Doe", phone="+18035550101")  # fmt: skip
    return online, roster
