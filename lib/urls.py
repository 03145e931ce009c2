"""Absolute URLs, with or without a request at hand.

In a request, links use the host the request came to. Mail sent by a worker, webhook payloads and
admin pages that show an address to copy use SITE_URL, the address the site is served at (one
setting per deployment; see the README's table).
"""

from django.conf import settings
from django.http import HttpRequest


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL + path
