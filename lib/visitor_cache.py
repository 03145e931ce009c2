"""Public pages served to first-time visitors from a copy rendered moments ago.

Most traffic to the public pages comes from people with no cookie at all (first visits,
shared links, crawlers): for them the page is the same for everyone. `visitor_cache`
keeps that rendering for a few seconds in each worker's memory (the "pages" cache: a hit
costs no round trip to the shared cache). Whatever could make a page personal keeps it
out of the cache:

- any cookie on the request (a session, so a login or pending messages; the CSRF cookie;
  the question's visitor cookie) means the view runs as usual;
- a rendering that wrote the session, added a message or set a cookie is never stored,
  and neither is anything but a 200 (or, where a view asks for it, a redirect);
- a rendering that used a CSRF token (a form) is stored only by a view that asks for it
  (`csrf=True`), with every copy of the token replaced by a placeholder: each visitor
  gets a token of their own (and its cookie) put in its place.
"""

import copy
import functools
import hashlib
import re
from collections.abc import Callable

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils.cache import patch_vary_headers

CSRF_PLACEHOLDER = b"@@visitor-cache-csrf-token@@"
MASKED_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


def _personal(request: HttpRequest, response: HttpResponse, statuses: tuple[int, ...], csrf: bool) -> bool:
    session = getattr(request, "session", None)
    messages = getattr(request, "_messages", None)
    return bool(
        response.status_code not in statuses
        or response.streaming
        or response.cookies
        or (not csrf and request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        or (session is not None and session.modified)
        or (messages is not None and getattr(messages, "added_new", False))
    )


def _without_csrf_tokens(response: HttpResponse, secret: str) -> HttpResponse:
    """A copy of `response` whose CSRF tokens (every masking of `secret`) are the placeholder."""

    def placeholder(match: re.Match) -> bytes:
        token = match.group().decode()
        return CSRF_PLACEHOLDER if _unmask_cipher_token(token) == secret else match.group()

    stored = copy.copy(response)
    stored.content = MASKED_TOKEN.sub(placeholder, response.content)
    return stored


def visitor_cache(seconds: int, *, redirects: bool = False, csrf: bool = False) -> Callable:
    """`redirects=True`: a view whose redirects depend only on the URL (find-your-chapter) keeps them too.

    `csrf=True`: a page with a form (the join page) is kept too, its CSRF token made per visitor.
    """
    statuses = (200, 301, 302) if redirects else (200,)

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "GET" or request.COOKIES:
                return view(request, *args, **kwargs)
            url = request.build_absolute_uri()
            key = "visitor-page:" + hashlib.sha256(url.encode()).hexdigest()
            response = caches["pages"].get(key)
            if response is None:
                if csrf:
                    get_token(request)  # the secret this rendering's tokens are maskings of
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if _personal(request, response, statuses, csrf):
                    return response
                # The copy is for requests without cookies only: say so to any cache on the way.
                patch_vary_headers(response, ["Cookie"])
                stored = _without_csrf_tokens(response, request.META["CSRF_COOKIE"]) if csrf else response
                caches["pages"].set(key, stored, seconds)
            elif csrf and CSRF_PLACEHOLDER in response.content:
                # This visitor's own token; the CSRF middleware sets its cookie on the way out.
                response.content = response.content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
            return response

        return wrapped

    return decorator
