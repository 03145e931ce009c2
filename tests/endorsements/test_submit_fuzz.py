"""Submitting an endorsement with hostile input: no 500, a reason on the page, nothing stored or mailed on refusal.

Each example runs in its own rolled-back savepoint, so the rate-limit counter (kept in the
database cache) starts from zero every time: the fuzz reaches the form, not the 429 page.
"""

from django.contrib.admin.models import LogEntry
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from endorsements.models import Endorsement
from lib.validators import control_characters
from tests.factories import endorsement_form
from tests.fuzz import as_received, assert_errors_shown, hostile_text, post_form, rolled_back

SUBMIT = reverse("endorsements:endorsement-submit")

VALID = endorsement_form()


@st.composite
def endorsement_data(draw) -> dict[str, str]:
    """A valid submission with one to three fields replaced by hostile text."""
    data = dict(VALID)
    data["state"] = draw(st.sampled_from(["SC", "WY", ""]))
    for name in draw(st.permutations(sorted(VALID)))[: draw(st.integers(1, 3))]:
        data[name] = draw(hostile_text(2100 if name == "statement" else 300))
    return data


@given(data=endorsement_data())
@example(data=VALID | {"name": "Dana\x1b[31m", "statement": "Line one\nline two\x07"})
@example(data=VALID | {"state": "S\x00"})
def test_submission_with_hostile_input_refuses_clearly_or_stores_exactly(client, db, mailoutbox, data):
    with rolled_back():
        mailoutbox.clear()
        before = (Endorsement.objects.count(), LogEntry.objects.count())
        response = post_form(client, SUBMIT, data)
        refused = response.status_code == 200 and "form" in response.context
        event("refused" if refused else "accepted")
        if refused:
            assert_errors_shown(response, response.context["form"])
            assert (Endorsement.objects.count(), LogEntry.objects.count()) == before
            assert not mailoutbox
            return
        assert response.status_code == 200
        endorsement = Endorsement.objects.get(pk=response.context["endorsement"].pk)
        assert endorsement.status == Endorsement.Status.UNCONFIRMED
        for name in ("name", "office", "party", "statement"):
            assert getattr(endorsement, name) == as_received(data[name]).strip(), name
            assert not control_characters(getattr(endorsement, name), allow_line_breaks=name == "statement")
        assert endorsement.contact_email == as_received(data["contact_email"]).strip()
        assert (endorsement.state_id or "") == as_received(data["state"])
        assert len(mailoutbox) == 1
