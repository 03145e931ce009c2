"""make soak's bookkeeping (scripts/soak.py): accepted writes found or reported lost, failures named.

The soak itself runs for two minutes against gunicorn (`make soak`, in CI); these tests
check, cheaply and against the real database, that its accounting cannot pass a run
that lost a write or answered with a 500.
"""

import importlib.util
import sys

import pytest
from django.conf import settings
from django.db import connection

from members.models import Member
from question.models import Answer
from question.views import VISITOR_COOKIE
from tests.factories import SC_ZIP, edit_version, make_member

spec = importlib.util.spec_from_file_location("soak", settings.BASE_DIR / "scripts" / "soak.py")
soak = importlib.util.module_from_spec(spec)
sys.modules.setdefault("soak", soak)
spec.loader.exec_module(soak)


def signup(client, email: str) -> None:
    data = {
        "first_name": "Sam", "last_name": "Soak", "email": email, "password1": soak.PASSWORD,
        "zip_code": SC_ZIP, "email_updates": "on",
    }  # fmt: skip
    assert client.post("/join/", data).status_code == 302
    client.logout()


def edit_profile(client, member: Member, number: int) -> None:
    client.force_login(member.user)
    data = {
        "edit_version": edit_version(member),
        "first_name": member.user.first_name, "last_name": f"{soak.EDIT_PREFIX}{number}", "phone": "",
        "zip_code": member.zip_code_id, "county": member.county_id, "email_updates": "on",
    }  # fmt: skip
    response = client.post("/profile/", data)
    assert response.status_code == 302
    assert response["Location"] == "/profile/"


def visitor_answers(client, choice: str) -> str:
    client.cookies.clear()
    response = client.post("/question/answer/", {"choice": choice, "state": "SC"})
    assert response.status_code == 302
    return soak.visitor_token(response.cookies[VISITOR_COOKIE].value)


def lost(ledger):
    with connection.cursor() as cursor:
        return soak.lost_writes(cursor, ledger)


def test_visitor_token_is_read_from_the_signed_cookie(client, db):
    token = visitor_answers(client, "yes")
    assert Answer.objects.get(visitor=token).choice == "yes"


def test_accepted_writes_that_are_in_the_database_are_not_lost(client, chapter_a):
    signup(client, "kept@soak.example.org")
    member = make_member("editor@example.net", SC_ZIP)
    edit_profile(client, member, 3)
    token = visitor_answers(client, "no")
    ledger = soak.Ledger(signups=["kept@soak.example.org"], edits={member.user_id: 3}, answers={token: "no"})
    assert lost(ledger) == {"signups": [], "edits": [], "answers": []}
    # An earlier accepted edit overwritten by a later one is not lost either.
    assert lost(soak.Ledger(edits={member.user_id: 2}))["edits"] == []


def test_missing_signup_edit_and_answer_are_reported_lost(client, chapter_a):
    signup(client, "kept@soak.example.org")
    member = make_member("editor@example.net", SC_ZIP)
    edit_profile(client, member, 3)
    token = visitor_answers(client, "no")
    ledger = soak.Ledger(
        signups=["kept@soak.example.org", "never-saved@soak.example.org"],
        edits={member.user_id: 4},  # the server said it saved edit 4; the database has 3
        answers={token: "yes", "no-such-visitor": "no"},  # a different choice is lost too
    )
    assert lost(ledger) == {
        "signups": ["never-saved@soak.example.org"],
        "edits": [member.user_id],
        "answers": sorted(["no-such-visitor", token]),
    }


def test_a_signup_without_its_membership_is_lost(client, chapter_a):
    signup(client, "half@soak.example.org")
    Member.objects.filter(user__email="half@soak.example.org").delete()
    assert lost(soak.Ledger(signups=["half@soak.example.org"]))["signups"] == ["half@soak.example.org"]


def test_an_account_without_its_membership_is_half_saved(client, chapter_a):
    signup(client, "soak-run1-1@soak.example.org")
    signup(client, "soak-run1-2@soak.example.org")
    signup(client, "soak-run2-1@soak.example.org")
    Member.objects.filter(user__email__in=["soak-run1-2@soak.example.org", "soak-run2-1@soak.example.org"]).delete()
    with connection.cursor() as cursor:
        assert soak.half_saved_signups(cursor, "soak-run1-") == ["soak-run1-2@soak.example.org"]


def phase_with(events: list, timing: dict | None = None) -> dict:
    recorder = soak.Recorder()
    recorder.ledger = soak.Ledger(signups=["a"], edits={1: 1}, answers={"t": "yes"})
    recorder.events = [(float(t), kind, status) for t, kind, status in events]
    return {"elapsed": 60.0, "recorder": recorder, "timing": timing or {}}


NOTHING_LOST = {"signups": [], "edits": [], "answers": []}


def test_a_clean_run_passes():
    _, failures = soak.summarise("clean", phase_with([(1, "view", 200), (2, "signup", 302)]), NOTHING_LOST, None)
    assert failures == []


@pytest.mark.parametrize(
    ("status", "failure"),
    [(500, "1 × 500"), ("dropped", "1 dropped connections"), (503, "1 × 503 without an outage"), (403, "1 × 403")],
)
def test_errors_fail_a_clean_run(status, failure):
    _, failures = soak.summarise("clean", phase_with([(1, "view", 200), (2, "edit", status)]), NOTHING_LOST, None)
    assert len(failures) == 1
    assert failure in failures[0]


def test_a_503_without_retry_after_or_the_page_fails_even_during_the_restart():
    phase = phase_with([(30.5, "view", 503)], {"restart_started_s": 30.0, "restart_done_s": 32.0})
    phase["recorder"].unfriendly_503 = 1
    _, failures = soak.summarise("restart", phase, NOTHING_LOST, (True, []))
    assert failures == ["[restart] 1 × 503 without Retry-After or without the 503 page"]


def test_a_half_saved_signup_fails_the_run():
    _, failures = soak.summarise("restart", phase_with([]), NOTHING_LOST, None, ["x@soak.example.org"])
    assert any("1 accounts saved without their membership" in f for f in failures)


def test_a_lost_write_fails_the_run():
    lost_one = {**NOTHING_LOST, "answers": ["t"]}
    _, failures = soak.summarise("clean", phase_with([(1, "answer", 302)]), lost_one, None)
    assert failures == ["[clean] 1 lost answers, e.g. ['t']"]


def test_503s_during_the_restart_pass_but_not_long_after_it():
    timing = {"restart_started_s": 30.0, "restart_done_s": 32.0}
    during = phase_with([(29, "view", 200), (30.5, "view", 503), (32.1, "view", 503), (33, "view", 200)], timing)
    result, failures = soak.summarise("restart", during, NOTHING_LOST, (True, []))
    assert failures == []
    assert result["status_503"] == 2
    assert result["recovery_s"] == pytest.approx(0.1)

    after = phase_with([(30.5, "view", 503), (50, "view", 503)], timing)
    _, failures = soak.summarise("restart", after, NOTHING_LOST, (False, [("503", 3)]))
    assert any("503s went on 18.0 s after PostgreSQL was back" in f for f in failures)
    assert any("did not recover" in f for f in failures)
