"""A page whose PostgreSQL connection is dropped while a server-side cursor is open (test_errors.py)."""

import psycopg
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from coalition.urls import urlpatterns as site_urlpatterns


def dropped_under_open_cursor(request: HttpRequest) -> HttpResponse:
    """As when PostgreSQL restarts while a page reads a ModelChoiceField's options (QuerySet.iterator()).

    Django closes such a cursor outside its error wrapper, so the driver's own error escapes.
    """
    connection.ensure_connection()
    cursor = connection.connection.cursor(name="states", withhold=True)  # as QuerySet.iterator() declares it
    cursor.execute("SELECT name FROM chapters_state ORDER BY code")
    names = [row[0] for row in cursor.fetchall()]
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    cursor.close()  # raises psycopg.errors.AdminShutdown, not Django's OperationalError
    return HttpResponse(", ".join(names))


urlpatterns = [path("dropped/", dropped_under_open_cursor), *site_urlpatterns]  # the site's too: the layout links them
handler500 = "public.views.server_error"
