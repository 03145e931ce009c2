"""lib.tokens: one scheme for every mailed link, one lifetime per purpose."""

import datetime
import time

import pytest
from django.core import signing

from lib.tokens import LIFETIMES, ExpiredToken, InvalidToken, lifetime_days, make_token, read_token


def test_a_token_names_its_object_and_matches_the_state_it_was_made_for():
    link = read_token("member-invitation", make_token("member-invitation", 42, "password-hash:imported"))
    assert link.pk == 42
    assert link.matches("password-hash:imported")
    assert not link.matches("new-password-hash:active")  # claimed: the link is used


def test_a_token_made_for_one_purpose_is_refused_for_every_other():
    token = make_token("endorsement-withdraw", 7)
    for purpose in LIFETIMES.keys() - {"endorsement-withdraw"}:
        with pytest.raises(InvalidToken):
            read_token(purpose, token)


@pytest.mark.parametrize("bad", ["", "garbage", "a:b:c", "x" * 5000])
def test_garbage_is_invalid(bad):
    with pytest.raises(InvalidToken):
        read_token("coordinator-invitation", bad)


def test_a_changed_character_is_invalid():
    token = make_token("coordinator-invitation", 3, "state")
    with pytest.raises(InvalidToken):
        read_token("coordinator-invitation", token[:-2] + ("aa" if token[-2:] != "aa" else "bb"))


def test_the_state_is_not_readable_in_the_token():
    token = make_token("coordinator-invitation", 3, "pbkdf2_sha256$secret-password-hash")
    assert "secret-password-hash" not in str(signing.loads(token, salt="coalition.links.coordinator-invitation"))


@pytest.mark.parametrize("purpose", sorted(LIFETIMES))
def test_a_token_expires_after_its_purposes_lifetime_and_not_before(purpose, monkeypatch):
    now = time.time()
    lifetime = LIFETIMES[purpose].total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: now - lifetime + 60)
    fresh_enough = make_token(purpose, 1)
    monkeypatch.setattr(signing.time, "time", lambda: now - lifetime - 60)
    too_old = make_token(purpose, 1)
    monkeypatch.undo()
    assert read_token(purpose, fresh_enough).pk == 1
    with pytest.raises(ExpiredToken):
        read_token(purpose, too_old)


def test_lifetimes_are_the_documented_ones():
    assert {purpose: lifetime_days(purpose) for purpose in LIFETIMES} == {
        "coordinator-invitation": 7,
        "member-invitation": 7,
        "endorsement-confirm": 7,
        "endorsement-withdraw": 90,
        "rsvp-confirm": 7,
        "rsvp-cancel": 365,
    }
    assert all(isinstance(value, datetime.timedelta) for value in LIFETIMES.values())


def test_an_unknown_purpose_is_a_programming_error_not_a_refused_link():
    with pytest.raises(KeyError, match="LIFETIMES"):
        make_token("password-reset", 1)
