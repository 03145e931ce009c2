"""Errors get the site's own pages; a database outage is a 503 with Retry-After, never a 500."""

import logging

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.factories import database_down, make_user


def test_missing_page_gets_the_friendly_404(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content
    assert b"Coalition of the States" in response.content  # the site's layout


@pytest.fixture
def lenient_client() -> Client:
    # Like a browser: see the error page instead of having the test client re-raise.
    return Client(raise_request_exception=False)


@pytest.mark.usefixtures("unreachable_database")
def test_public_page_during_database_outage_is_503_with_retry_after(lenient_client):
    response = lenient_client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"We will be back in a moment" in response.content


def test_outage_while_logged_in_is_503_not_500(transactional_db, lenient_client):
    # The session and the user are loaded by middleware, outside any view: handler500 answers.
    lenient_client.force_login(make_user("outage@example.org"))
    with database_down():
        response = lenient_client.get("/accounts/email/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"We will be back in a moment" in response.content


def test_an_outage_met_outside_a_view_is_logged_without_its_traceback(caplog):
    # Found by make soak: a session saved on the 503's way out lost the database too, and
    # Django logs such an error with its traceback before handler500 answers 503.
    try:
        raise OperationalError("consuming input failed: server closed the connection unexpectedly")
    except OperationalError as error:
        logging.getLogger("django.request").error("%s: %s", "Service Unavailable", "/join/", exc_info=error)
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    assert record.getMessage() == (
        "Service Unavailable: /join/ (database unavailable: consuming input failed: server closed the connection"
        " unexpectedly)"
    )


def test_other_errors_keep_their_traceback(caplog):
    try:
        raise ValueError("a bug")
    except ValueError as error:
        logging.getLogger("django.request").error("%s: %s", "Internal Server Error", "/x/", exc_info=error)
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is not None


def test_outage_on_a_public_page_while_logged_in_logs_no_traceback(transactional_db, lenient_client, caplog):
    # Found by make soak: a middleware that looked the user up after the view raised again
    # on the 503 page's way out, and the error was logged as a server error.
    lenient_client.force_login(make_user("outage@example.org"))
    with database_down():
        response = lenient_client.get("/calls/")
    assert response.status_code == 503
    assert response["Cache-Control"] == "private, no-store"
    assert not [r for r in caplog.records if r.exc_info], "an exception was logged"


def test_forbidden_page_gets_the_friendly_403(client, member):
    client.force_login(member)
    response = client.get("/admin/login/")  # allauth refuses the admin login to a logged-in non-staff user
    assert response.status_code == 403
    assert b"You do not have access to this page" in response.content


@pytest.mark.urls("tests.coalition.urls_dropped_connection")
def test_connection_dropped_under_a_server_side_cursor_is_503_not_500(transactional_db, lenient_client):
    # Closing the cursor raises psycopg's own OperationalError, which Django does not wrap (found by make soak).
    response = lenient_client.get("/dropped/")
    connection.close()  # the test client keeps the dropped connection open past the request
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"We will be back in a moment" in response.content
