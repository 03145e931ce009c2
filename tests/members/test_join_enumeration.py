"""The join form tells nobody whether an address already has an account: the page, its status
and the mails an outsider can see are the same; the registered person is told by mail that
someone tried to join with their address."""

import re
import time

from django.contrib.auth.hashers import make_password
from django.test import Client

from members.models import Member, User
from tests.factories import join_form, make_user

NEW, REGISTERED = "jo@example.net", "ann@example.org"


def join(email: str, client: Client | None = None) -> tuple[int, str, str]:
    """Status and Location of the join form's answer, and the page it leads to, the address and CSRF token blanked."""
    client = client or Client()
    response = client.post("/join/", join_form(email=email))
    page = client.get(response["Location"]).content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page).replace(email, "ADDRESS")
    return response.status_code, response["Location"], page


def test_a_registered_address_gets_the_page_a_new_one_gets(chapter_a, mailoutbox):
    make_user(REGISTERED)
    new, registered = join(NEW), join(REGISTERED)
    assert new == registered
    status, location, page = new
    assert (status, location) == (302, "/accounts/confirm-email/")
    assert "You are joining <strong>South Carolina Consents</strong>" in page
    assert "Meet your chapter" in page
    assert "Confirmation email sent to ADDRESS" in page
    # Each address gets its own mail: a link for the newcomer, a warning for the account holder.
    assert [m.to for m in mailoutbox] == [[NEW], [REGISTERED]]
    assert "Confirm" in mailoutbox[0].subject
    assert "already exists" in mailoutbox[1].body
    assert "someone else tried to signup" in mailoutbox[1].body
    assert not Member.objects.filter(user__email=REGISTERED).exists()
    assert User.objects.filter(email=REGISTERED).count() == 1


def test_joining_twice_with_a_new_address_looks_like_joining_once(chapter_a, mailoutbox):
    first, second = join(NEW), join(NEW)
    assert first == second
    assert "Confirmation email sent to ADDRESS" in second[2]
    # One mail per address per three minutes (allauth's limit), whichever mail it is.
    assert [m.to for m in mailoutbox] == [[NEW]]
    assert Member.objects.filter(user__email=NEW).count() == 1


def test_a_registered_address_costs_the_password_hashing_a_new_one_costs(chapter_a, settings):
    # A hasher slow enough to stand out from the rest of the request: a path that skipped
    # hashing would answer about 0.2 s sooner.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    make_user(REGISTERED)

    def timed(email: str) -> float:
        start = time.perf_counter()
        Client().post("/join/", join_form(email=email))
        return time.perf_counter() - start

    new = min(timed(f"new{i}@example.net") for i in range(3))
    registered = min(timed(REGISTERED) for _ in range(3))
    hashing = min(timed_hash() for _ in range(3))
    assert registered > new - hashing / 2, (new, registered, hashing)


def timed_hash() -> float:
    start = time.perf_counter()
    make_password("a long enough password")
    return time.perf_counter() - start
