"""API keys and the log of every request made with one.

A key is shown once, when it is made; only its SHA-256 is kept. The secret is 32 random bytes,
so a fast hash is enough (nobody can guess through it), and each request checks it in
microseconds instead of the ~100 ms a password hash costs.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from chapters.models import Chapter

TOKEN_PREFIX = "coal"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self) -> "ApiKeyQuerySet":
        now = timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now), revoked_at__isnull=True)


class ApiKey(models.Model):
    """A key another tool uses to read (or also write) the people of one chapter, or of all for national."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    name = models.CharField(max_length=100, help_text='What the key is for, e.g. "Action Network sync".')
    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_keys",
        help_text="The chapter whose people it reaches. Empty: every chapter (national coordinators only).",
    )
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        editable=False,
        help_text="The key reaches only what this person may still reach on the day it is used.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Leave empty for a key that does not expire.")
    prefix = models.CharField(max_length=16, unique=True, editable=False, help_text="The key's public first part.")
    hashed = models.CharField(max_length=64, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The per-key rate limit's fixed window (minutes since the epoch) and the requests counted in it;
    # see `count_request`.
    rate_window = models.BigIntegerField(default=0, editable=False)
    rate_used = models.PositiveIntegerField(default=0, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def issue(self) -> str:
        """Give the key its secret; the returned token is shown once and never stored."""
        self.prefix = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}_{self.prefix}_{secrets.token_urlsafe(32)}"
        self.hashed = digest(token)
        return token

    def count_request(self, window: int, now) -> int:
        """Count one request in `window` and say how many the key has made in it; stamp last_used_at.

        One statement, whatever the cache: the counter lives on the key's row, so every app server
        counts together, and the row is locked only for the moment of the update. last_used_at is
        written at most once a minute, within the same statement.
        """
        table = self._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET rate_used = CASE WHEN rate_window = %s THEN rate_used + 1 ELSE 1 END,"
                " rate_window = %s, last_used_at = CASE WHEN last_used_at IS NULL"
                " OR last_used_at < %s - interval '1 minute' THEN %s ELSE last_used_at END"
                " WHERE id = %s RETURNING rate_used",
                [window, window, now, now, self.pk],
            )
            row = cursor.fetchone()
        return row[0] if row else 0

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.hashed, digest(token))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def revoke(self, by) -> None:
        if self.revoked_at is None:
            self.revoked_at, self.revoked_by = timezone.now(), by
            self.save(update_fields=["revoked_at", "revoked_by"])

    @staticmethod
    def prefix_of(token: str) -> str | None:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX or len(parts[1]) != 8:
            return None
        return parts[1]


class ApiRequest(models.Model):
    """One request made with a key: when, what, and the answer's status."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="requests")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    people = models.PositiveIntegerField(default=0, help_text="How many people's records the answer held.")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["key", "-at"], name="api_request_key_recent_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} → {self.status}"
