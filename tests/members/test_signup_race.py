"""Two people (or one double click) signing up with the same email at the same moment.

The form's "is this address taken?" check and the insert are not atomic, so two requests
can both pass the check. The database decides (a unique index on lower(email)); the
loser must get what anyone signing up with a taken address gets (allauth's "verify your
email" page and an "account already exists" mail, no enumeration), never a 500.
"""

import threading

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, connection, transaction
from django.test import Client

from members.adapter import AccountAdapter
from members.models import Member, User
from tests.factories import join_form


def sign_up_at_once(emails: list[str], barrier: threading.Barrier) -> list:
    """POST /join/ once per email, each in its own thread (own database connection), lined up at `barrier`."""
    results: list = [None] * len(emails)

    def sign_up(index: int, email: str) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = Client().post("/join/", join_form(email=email))
        except Exception as error:  # noqa: BLE001 - reported by the test in the main thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(i, email)) for i, email in enumerate(emails)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def assert_one_account_and_two_normal_answers(results: list, mailoutbox) -> None:
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert [r.status_code for r in results] == [302, 302]
    assert {r["Location"] for r in results} == {"/accounts/confirm-email/"}
    assert User.objects.filter(email__iexact="ann@example.org").count() == 1
    assert Member.objects.filter(user__email__iexact="ann@example.org").count() == 1
    assert EmailAddress.objects.filter(email__iexact="ann@example.org").count() == 1
    # One mail to the address (allauth sends at most one per address per three minutes).
    assert [m.to for m in mailoutbox] == [["ann@example.org"]]


def test_two_simultaneous_signups_differing_in_case_make_one_account(transactional_db, chapter_a, mailoutbox):
    results = sign_up_at_once(["Ann@Example.org", "ann@example.org"], threading.Barrier(2))
    assert_one_account_and_two_normal_answers(results, mailoutbox)


def test_signups_that_both_passed_the_check_collide_in_the_database_politely(
    transactional_db, chapter_a, mailoutbox, monkeypatch
):
    """Forced interleaving: both requests have validated before either inserts, so one insert must fail."""
    both_validated = threading.Barrier(2)
    save_user = AccountAdapter.save_user

    def save_user_once_both_validated(self, request, user, form, commit=True):
        both_validated.wait(timeout=30)
        return save_user(self, request, user, form, commit)

    monkeypatch.setattr(AccountAdapter, "save_user", save_user_once_both_validated)
    results = sign_up_at_once(["Ann@Example.org", "ann@example.org"], threading.Barrier(2))
    assert not both_validated.broken
    assert_one_account_and_two_normal_answers(results, mailoutbox)
    # The loser sent nothing of its own: the address gets the winner's confirmation link.
    assert "Confirm" in mailoutbox[0].subject


def test_user_email_is_unique_ignoring_case_in_the_database(db):
    User.objects.create_user(email="ann@example.org")
    with pytest.raises(IntegrityError, match="user_email_ci_unique"), transaction.atomic():
        # Bypasses the manager's lowercasing, as a raw insert or a careless script would.
        User.objects.bulk_create([User(email="Ann@Example.org", password="!")])
