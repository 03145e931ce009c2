"""Who a request with a key speaks for, checked on every request; its rate limit and its log.

A key reaches what its creator may reach on the day it is used, never more: a coordinator's
key stops working for a chapter the day their term there ends, and a key for every chapter
stops working when its creator is no longer a national coordinator.
"""

import functools
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.cache import patch_cache_control
from ninja.security import APIKeyHeader, HttpBearer
from ninja.throttling import BaseThrottle

from api.models import ApiKey, ApiRequest
from chapters.models import Chapter, County
from members.models import Member, MemberAccess


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Access:
    """What one request's key reaches today: one chapter's people, or everyone's (chapter_id None)."""

    key: ApiKey
    chapter_id: int | None

    def people(self):
        """The people it may read. Pending signups (address not yet verified) are not members yet."""
        people = Member.objects.exclude(status=Member.Status.PENDING)
        if self.chapter_id is None:
            return people
        return people.filter(chapter_id=self.chapter_id)

    def may_place(self, county: County) -> bool:
        return self.chapter_id is None or county.chapter_id == self.chapter_id

    @property
    def writes(self) -> bool:
        return self.key.scope == ApiKey.Scope.WRITE

    def require_write(self) -> None:
        if not self.writes:
            raise ApiError(
                403, "This API key may only read. Ask a coordinator for a key with the read and write scope."
            )


def authenticate(request: HttpRequest, token: str) -> Access:
    prefix = ApiKey.prefix_of(token.strip())
    key = ApiKey.objects.select_related("created_by").filter(prefix=prefix).first() if prefix else None
    if key is None or not key.matches(token.strip()):
        raise ApiError(401, "Unknown API key. Check that it was copied whole.")
    request.api_key = key  # logged from here on, refused or not
    if key.is_revoked:
        raise ApiError(401, f"This API key was revoked on {key.revoked_at:%Y-%m-%d}.")
    if key.is_expired:
        raise ApiError(401, f"This API key expired on {key.expires_at:%Y-%m-%d}.")
    creator = key.created_by
    if not creator.is_active:
        raise ApiError(403, "The account of the person who made this key is closed.")
    if key.chapter_id is None:
        if not creator.is_national_coordinator:
            raise ApiError(403, "This key is for every chapter, and its creator is no longer a national coordinator.")
    elif not creator.is_national_coordinator and not (
        Chapter.objects.visible_to(creator).filter(pk=key.chapter_id).exists()
    ):
        raise ApiError(403, f"The person who made this key no longer coordinates {key.chapter.name}.")
    return Access(key=key, chapter_id=key.chapter_id)


class OsdiToken(APIKeyHeader):
    """Action Network's header."""

    param_name = "OSDI-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Access | None:
        return authenticate(request, key) if key else None


class Bearer(HttpBearer):
    """`Authorization: Bearer <key>`, for tools that speak OAuth-style headers."""

    def authenticate(self, request: HttpRequest, token: str) -> Access | None:
        return authenticate(request, token) if token else None


KEY_AUTH = [OsdiToken(), Bearer()]


class PerKeyRate(BaseThrottle):
    """A fixed one-minute window per key, counted on the key's row (one statement per request)."""

    WINDOW = 60

    def allow_request(self, request: HttpRequest) -> bool:
        now = time.time()
        window = int(now // self.WINDOW)
        used = request.auth.key.count_request(window, timezone.now())
        self.retry_after = (window + 1) * self.WINDOW - now
        return used <= settings.API_RATE_LIMIT_PER_MINUTE

    def wait(self) -> float:
        return self.retry_after


def logged(view):
    """Log every request that named a key (refused ones too) and keep personal answers out of caches.

    What the request read (request.api_read: the members shown) is written with the log in one
    transaction, one commit per request: most of an API request's cost is commits.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, no_store=True)
        key = getattr(request, "api_key", None)
        if key is not None and not getattr(request, "api_logged", False):
            write_log(request, key, response.status_code)
        return response

    return wrapper


def write_log(request: HttpRequest, key: ApiKey, status: int) -> None:
    """The request's log line and the access log of the people it read; a view may write it itself, within
    its own transaction, to save a commit (then `logged` does not write it again)."""
    request.api_logged = True
    read = getattr(request, "api_read", [])
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # one commit, or a part of the view's own transaction
        if read:
            # Each person read sees it in "who has seen your record", under the key's creator: one
            # INSERT from an array of ids, with no model instance per person.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {MemberAccess._meta.db_table} (member_id, actor_id, action, at)"
                    " SELECT unnest(%s::bigint[]), %s, %s, %s",
                    [[m.pk for m in read], key.created_by_id, MemberAccess.Action.API, now],
                )
        ApiRequest.objects.create(key=key, at=now, method=request.method, path=request.get_full_path()[:500],
                                  status=status, people=getattr(request, "api_people", len(read)))  # fmt: skip


def public(view):
    """Public, read-only answers: any origin may read them (CORS), and caches may keep them a minute."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=60)
        return response

    return wrapper
