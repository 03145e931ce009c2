"""Project-wide middleware: health checks, outages, security headers, staff MFA, NUL in query strings."""

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from public import views

Handler = Callable[[HttpRequest], HttpResponse]


class HealthCheckMiddleware:
    """Answers /health/ before anything looks at the Host header or the scheme.

    Load balancers probe with the machine's IP as Host and over plain http; neither
    ALLOWED_HOSTS nor the HTTPS redirect should turn a healthy server into a failing check.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/health/":
            return views.health(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view that loses the database answers 503 with Retry-After, not 500.

    Errors raised outside a view (a session save, say) reach `handler500`, which does
    the same; see public.views.server_error.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, views.DATABASE_UNAVAILABLE):
            return views.database_unavailable(request, exception)
        return None


class PermissionsPolicyMiddleware:
    """Sets Permissions-Policy: the site uses no camera, microphone, location or payment."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class StaffMFARequiredMiddleware:
    """Staff open the admin only once they have a second factor.

    A coordinator's password alone must not unlock a membership list; until they set up
    an authenticator app, /admin/ sends them to the MFA page with an explanation.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            request.path_info.startswith(reverse("admin:index"))
            and user.is_authenticated
            and user.is_staff
            and request.path_info != reverse("admin:logout")
            and not is_mfa_enabled(user, types=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
        ):
            messages.warning(
                request,
                "Set up two-factor authentication before you open the admin: "
                "activate an authenticator app or add a security key below, then come back.",
            )
            return redirect("mfa_index")
        return self.get_response(request)


class NullCharacterMiddleware:
    """NUL (U+0000) in the path or query string gets a 400 page that says so; a cookie holding one is ignored.

    PostgreSQL cannot store or compare NUL in text, so a filter, search or lookup built from
    such a value fails in the database: the admin's list filters gave a 500, and so did any
    page for a session cookie crafted to hold one (quoted cookies may spell it "\\000").
    Forms refuse NUL themselves, next to the field; a query string has no field to show the
    message on. Placed before the session middleware, so a bad session cookie is never looked up.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            reason = "The address of this page contains a null character (%00), which no search or filter accepts."
            return render(request, "400.html", {"reason": reason}, status=400)
        if any("\x00" in key or "\x00" in value for key, value in request.COOKIES.items()):
            request.COOKIES = {k: v for k, v in request.COOKIES.items() if "\x00" not in k and "\x00" not in v}
        return self.get_response(request)
