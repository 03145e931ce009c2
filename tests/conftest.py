"""Fixtures for the roles every permission test speaks of.

chapter_a and chapter_b are two chapters in different states; coordinator_a runs A,
coordinator_b runs B; national sees everything; member is an ordinary member. Two more
roles of the authorization matrix: staff_no_mfa, a coordinator of A without a second
factor; treasurer_b, a coordinator of A who is also treasurer (not coordinator) of B.
"""

import os

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache, caches
from django.db import connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

from chapters.models import Chapter, County, State
from devtools import embedded_db
from lib.roles import NATIONAL_COORDINATORS
from members.models import User
from tests.factories import (
    PASSWORD,
    make_coordinator,
    make_coordinator_without_mfa,
    make_officer,
    make_staff_mfa,
    make_user,
)

# The fuzz tests (tests/*/test_*_fuzz.py): a few dozen examples each in the normal run, so the
# suite stays quick; HYPOTHESIS_PROFILE=thorough for a long hunt. No deadline: the machine is
# shared and timings are never a pass/fail condition. Each example is self-contained
# (tests/fuzz.py's rolled_back), which is why sharing function-scoped fixtures is fine.
hypothesis_settings.register_profile(
    "quick",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.register_profile("thorough", parent=hypothesis_settings.get_profile("quick"), max_examples=1000)
# CI draws the same examples every run (a found failure is pinned with @example, not left to
# chance); a developer's run draws new ones each time and keeps failures in .hypothesis/.
hypothesis_settings.register_profile("ci", parent=hypothesis_settings.get_profile("quick"), derandomize=True,
                                     database=None)  # fmt: skip
default_profile = "ci" if os.environ.get("CI", "").lower() in ("true", "1") else "quick"
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", default_profile))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Start (or join) the embedded PostgreSQL before pytest-django creates the test database.

    Only runs when a test needs the database; the server stops when the test run exits.
    """
    if settings.EMBEDDED_DB_DIR:
        embedded_db.start(settings.EMBEDDED_DB_DIR)


@pytest.fixture(autouse=True)
def _fresh_cache(request, django_db_blocker):
    """Rate-limit counters and cached figures must not leak from one test into the next.

    The cache is the database cache (shared like production's), so clearing it needs
    the test database, outside any test's transaction.
    """
    caches["pages"].clear()  # the visitors' page copies, in this process's memory
    caches["process"].clear()  # and the facts each process keeps a while (settings.CACHES)
    if "django_db_setup" not in request.fixturenames:  # a test without the database has no cache either
        yield
        return
    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()
        if uses_transactions(request.node):
            # Opened outside the test's own connection handling (under Playwright's greenlets,
            # which Django sees as another context), it would outlive the run and keep the test
            # database from being dropped.
            connections.close_all()


def restore_reference_data() -> None:
    """Reload what the migrations put in the database (geography, role groups) if a flush emptied it."""
    from django.apps import apps

    from chapters.geo import load_geography
    from chapters.models import ZipCode
    from lib.roles import sync_role_groups

    if not State.objects.exists():
        load_geography(State, County, ZipCode)
    if not Group.objects.filter(name=NATIONAL_COORDINATORS).exists():
        sync_role_groups(apps)


def uses_transactions(item) -> bool:
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Transactional tests (browser tests on the live server) end by flushing every table,
    including the reference data the migrations loaded; later tests need it back."""
    result = yield
    if uses_transactions(item) and nextitem is not None:  # after the last test the database is gone
        with item.config.stash[blocking_manager_key].unblock():
            restore_reference_data()
    return result


@pytest.fixture(autouse=True)
def _reference_data(request) -> None:
    if uses_transactions(request.node):
        request.getfixturevalue("transactional_db")
        restore_reference_data()


@pytest.fixture
def chapter_a(db) -> Chapter:
    chapter = Chapter.objects.create(
        name="South Carolina Consents", slug="south-carolina", state=State.objects.get(code="SC"),
        status=Chapter.Status.ACTIVE,
    )  # fmt: skip
    chapter.set_territory(mode=Chapter.TerritoryMode.WHOLE_STATE)
    return chapter


@pytest.fixture
def chapter_b(db) -> Chapter:
    chapter = Chapter.objects.create(
        name="Wyoming Consents", slug="wyoming", state=State.objects.get(code="WY"), status=Chapter.Status.ACTIVE
    )
    chapter.set_territory(mode=Chapter.TerritoryMode.WHOLE_STATE)
    return chapter


@pytest.fixture
def national(db) -> User:
    user = make_user("nat@example.org", first_name="Nat", last_name="Ional", is_staff=True)
    user.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    make_staff_mfa(user)
    return user


@pytest.fixture
def coordinator_a(chapter_a) -> User:
    return make_coordinator("coord-a@example.org", chapter_a)


@pytest.fixture
def coordinator_b(chapter_b) -> User:
    return make_coordinator("coord-b@example.org", chapter_b)


@pytest.fixture
def staff_no_mfa(chapter_a) -> User:
    return make_coordinator_without_mfa("no-mfa-a@example.org", chapter_a)


@pytest.fixture
def treasurer_b(chapter_a, chapter_b) -> User:
    user = make_coordinator("treasurer-b@example.org", chapter_a)
    make_officer(user, chapter_b, "Treasurer")
    return user


@pytest.fixture
def member(db) -> User:
    return make_user("member@example.org", first_name="Mem", last_name="Ber")


@pytest.fixture
def admin_user(db, django_user_model) -> User:
    """pytest-django's superuser (behind `admin_client`), enrolled in MFA like every staff account."""
    user = django_user_model.objects.create_superuser(email="admin@example.org", password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    make_staff_mfa(user)
    return user


@pytest.fixture
def as_role(request, client, chapter_a, chapter_b):
    """`as_role("coordinator_a")`: the test client logged in as one of the roles above (or not at all)."""

    def login(role: str):
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return login


@pytest.fixture
def smtp_sink(settings, tmp_path):
    """Mail queued as in production (EMAIL_BACKEND) and delivered by SMTP to a server on loopback."""
    from tests.queue import SMTPSink

    sink = SMTPSink(tmp_path / "smtp")
    sink.start()
    settings.EMAIL_BACKEND = "lib.mail_queue.QueuedEmailBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()


@pytest.fixture
def run_worker(transactional_db):
    """A real procrastinate worker, run until the queue holds nothing it may take now.

    The queue's tables are not Django-managed, so the flush after a transactional test leaves
    them alone: each test starts with an empty queue here instead.
    """
    from tests.queue import empty_queue, run_worker

    empty_queue()
    yield run_worker
    empty_queue()
