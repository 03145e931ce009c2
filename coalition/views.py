import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from chapters.models import Chapter

RETRY_AFTER_SECONDS = 30


def home(request: HttpRequest) -> HttpResponse:
    chapters = Chapter.objects.select_related("state").order_by("state__name", "name")
    states = {chapter.state for chapter in chapters if chapter.status == Chapter.Status.ACTIVE}
    return render(request, "home.html", {"chapters": chapters, "active_states": len(states)})


def health(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database answers; 503 with the reason when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return JsonResponse({"status": "unavailable", "database": str(exc).strip()}, status=503)
    return HttpResponse("ok", content_type="text/plain")


def database_unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Rendered without the request: the context processors would load the user and
    # the messages from the database that just went away.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage that surfaces outside a view still gets the 503 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        return database_unavailable(request, exception)
    return HttpResponseServerError(render_to_string("500.html"))
