"""The join form sent twice at once (a double click): one account, one membership, no 500.

Found by `make soak`. Both requests pass the "account already exists" check before either
saves; a barrier in pre_save holds both there, so the race happens on every run. And a
signup is all or nothing: an account without its membership could never join again.
"""

import threading

import pytest
from django.db import OperationalError, connection
from django.db.models.signals import pre_save
from django.test import Client

from members.models import Member, User
from tests.factories import PASSWORD, SC_ZIP

EMAIL = "double.click@example.net"


@pytest.fixture
def both_past_the_check(transactional_db):
    barrier = threading.Barrier(2, timeout=20)

    def hold(sender, instance, **kwargs) -> None:
        if instance._state.adding and instance.email == EMAIL:
            barrier.wait()

    pre_save.connect(hold, sender=User)
    yield
    pre_save.disconnect(hold, sender=User)


def test_double_submitted_join_form_makes_one_member_and_no_error(chapter_a, both_past_the_check):
    data = {
        "first_name": "Dee", "last_name": "Click", "email": EMAIL, "password1": PASSWORD, "zip_code": SC_ZIP,
        "email_updates": "on",
    }  # fmt: skip
    results = []

    def submit() -> None:
        try:
            results.append(Client().post("/join/", data).status_code)
        except Exception as exc:  # the test client re-raises the view's exception
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results == [302, 302]
    assert User.objects.filter(email=EMAIL).count() == 1
    assert Member.objects.filter(user__email=EMAIL, status=Member.Status.PENDING).count() == 1


def test_signup_interrupted_after_the_account_is_saved_leaves_nothing_behind(chapter_a):
    def database_gone(sender, instance, **kwargs) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    pre_save.connect(database_gone, sender=Member)
    try:
        data = {"first_name": "Ida", "last_name": "Half", "email": EMAIL, "password1": PASSWORD, "zip_code": SC_ZIP}
        response = Client(raise_request_exception=False).post("/join/", data)
    finally:
        pre_save.disconnect(database_gone, sender=Member)
    assert response.status_code == 503
    assert not User.objects.filter(email=EMAIL).exists()
