"""Project-wide middleware: health checks, outages, security headers, staff MFA, personal pages, NUL in URLs."""

from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from lib.outages import DATABASE_UNAVAILABLE
from lib.second_factor import ask_for_second_factor, has_second_factor
from public import views

Handler = Callable[[HttpRequest], HttpResponse]


class HealthCheckMiddleware:
    """Answers /health/ before anything looks at the Host header or the scheme.

    Load balancers probe with the machine's IP as Host and over plain http; neither
    ALLOWED_HOSTS nor the HTTPS redirect should turn a healthy server into a failing check.
    The answer still carries the security headers every other page does, added by the same
    middleware; only their response half runs, as it looks at neither the Host nor the scheme
    (HSTS is sent when the request came over https, as elsewhere).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.header_middleware = [
            middleware(get_response)
            for middleware in (SecurityMiddleware, PermissionsPolicyMiddleware, CSPMiddleware, XFrameOptionsMiddleware)
        ]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/health/":
            response = views.health(request)
            for middleware in self.header_middleware:
                response = middleware.process_response(request, response)
            # A copy kept on the way would answer "ok" for a server that is down.
            patch_cache_control(response, no_store=True)
            return response
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
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return views.database_unavailable(request, exception)
        return None


class PermissionsPolicyMiddleware:
    """Sets Permissions-Policy: the site uses no camera, microphone, location or payment."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.process_response(request, self.get_response(request))

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class StaffMFARequiredMiddleware:
    """Staff open the admin only once they have a second factor.

    A coordinator's password alone must not unlock a membership list; until they set up
    an authenticator app, /admin/ sends them to the MFA page with an explanation. Staff-only
    pages outside the admin use lib.second_factor.second_factor_required.
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
            and not has_second_factor(user)
        ):
            return ask_for_second_factor(request)
        return self.get_response(request)


# Pages reached by a link from a mail that show the person's data before they are logged in.
PERSONAL_LINK_PAGES = {"members:claim", "account_confirm_email", "account_reset_password_from_key"}


class PersonalPagesNotStoredMiddleware:
    """Pages for a logged-in person, and personal link pages, say `Cache-Control: private, no-store`.

    They show the person's name, email and data: a shared cache on the way (a CDN, a
    company proxy) must not keep them for the next visitor, nor the browser after logging
    out. An answer that sets its own Cache-Control (a public image, the admin's no-cache)
    keeps it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Decided by the session cookie alone, never by loading the user: asking the session
        # would mark it accessed (every public page would vary on Cookie), and here, after the
        # view, a database outage would turn the 503 page into a traceback. A visitor with an
        # anonymous session (a pending message) gets the same header, which costs nothing.
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        match = request.resolver_match
        if "Cache-Control" not in response and (has_session or (match and match.view_name in PERSONAL_LINK_PAGES)):
            patch_cache_control(response, private=True, no_store=True)
        return response


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
