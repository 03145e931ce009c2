"""Pages only staff may open ask for a second factor first: a password alone unlocks no member data.

The admin is covered by coalition.middleware.StaffMFARequiredMiddleware; a staff-only view
outside it (the dashboards) is wrapped in `second_factor_required`, after its own check of
who may open it, so that people who may not open it still get their 403.
"""

import functools
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def has_second_factor(user) -> bool:
    # Recovery codes alone are not a second factor: they exist only alongside one of these.
    return is_mfa_enabled(user, types=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])


def ask_for_second_factor(request: HttpRequest) -> HttpResponse:
    messages.warning(
        request,
        "Set up two-factor authentication before you open the admin or the dashboards: "
        "activate an authenticator app or add a security key below, then come back.",
    )
    return redirect("mfa_index")


def second_factor_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_second_factor(request.user):
            return ask_for_second_factor(request)
        return view(request, *args, **kwargs)

    return wrapped
