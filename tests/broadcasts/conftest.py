import pytest

from broadcasts.models import Broadcast
from tests.factories import CA_ZIP, SC_OTHER_ZIP, SC_ZIP, WY_ZIP, make_member


@pytest.fixture
def people(chapter_a, chapter_b):
    """Members of chapter A (SC), chapter B (WY) and of no chapter (CA), with and without consent."""
    return {
        "ann": make_member("ann@example.net", SC_ZIP, first_name="Ann", email_updates=True),
        "abe": make_member("abe@example.net", SC_OTHER_ZIP, first_name="Abe", email_updates=True),
        "amy": make_member("amy@example.net", SC_ZIP, first_name="Amy"),  # no consent
        "pam": make_member("pam@example.net", SC_ZIP, status="pending", email_updates=True),  # not verified
        "bob": make_member("bob@example.net", WY_ZIP, first_name="Bob", email_updates=True),
        "cal": make_member("cal@example.net", CA_ZIP, first_name="Cal", email_updates=True),
    }


@pytest.fixture
def broadcast_a(chapter_a, coordinator_a):
    return Broadcast.objects.create(
        subject="Hello {{ first_name }}",
        preview_text="News from the chapter",
        body="Hi **{{ first_name }}** of {{ chapter }}!\n\nNext call: {{ next_call }}.\n\nShare: {{ share_link }}",
        chapter=chapter_a,
        created_by=coordinator_a,
        base_url="http://testserver",
    )


def emails(members) -> list[str]:
    return sorted(m.user.email for m in members)
