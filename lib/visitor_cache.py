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
- a rendering that used a CSRF token (a page with a form: the join page, the question) is
  never stored: the token is each visitor's own, and the page is rendered for each.
"""

import functools
import hashlib
from collections.abc import Callable

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers


def personal(request: HttpRequest, response: HttpResponse, statuses: tuple[int, ...]) -> bool:
    session = getattr(request, "session", None)
    return bool(
        response.status_code not in statuses
        or response.streaming
        or response.cookies
        # get_token() was called: the page holds a CSRF token, this visitor's alone.
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
        or getattr(get_messages(request), "added_new", False)
    )


def visitor_cache(seconds: int, *, redirects: bool = False) -> Callable:
    """`redirects=True`: a view whose redirects depend only on the URL (find-your-chapter) keeps them too."""
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
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if personal(request, response, statuses):
                    return response
                # The copy is for requests without cookies only: say so to any cache on the way.
                patch_vary_headers(response, ["Cookie"])
                caches["pages"].set(key, response, seconds)
            return response

        return wrapped

    return decorator
