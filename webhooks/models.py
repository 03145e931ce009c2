"""Webhook subscriptions (what we send), their deliveries, and the receiving URLs for Action Network.

A subscription belongs to one chapter (or, made by a national coordinator, to every chapter),
names the events it wants and holds its own signing secret. Each event makes one Delivery per
matching subscription, written in the transaction of the change; the task queue sends it and
logs every attempt. A subscription that keeps failing is paused (`paused_at`) until its owner
resumes it in the admin.
"""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from chapters.models import Chapter

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def new_receiver_token() -> str:
    return secrets.token_urlsafe(32)


class Event(models.TextChoices):
    PERSON_CREATED = "person.created", "Person created (signup, API, import)"
    PERSON_UPDATED = "person.updated", "Person updated"
    PERSON_LEFT = "person.left", "Person left"
    # Declared for subscribers now; fired once the events app (RSVPs, check-in) is on this branch.
    ATTENDANCE_RECORDED = "attendance.recorded", "Attendance recorded"
    ENDORSEMENT_PUBLISHED = "endorsement.published", "Endorsement published"


# Each event's yes/no field on Subscription: checkboxes in the admin, one indexed filter each.
EVENT_FIELDS = {
    Event.PERSON_CREATED: "on_person_created",
    Event.PERSON_UPDATED: "on_person_updated",
    Event.PERSON_LEFT: "on_person_left",
    Event.ATTENDANCE_RECORDED: "on_attendance_recorded",
    Event.ENDORSEMENT_PUBLISHED: "on_endorsement_published",
}


class Subscription(models.Model):
    name = models.CharField(max_length=100, help_text='What receives it, e.g. "Zapier: new members to the sheet".')
    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        help_text="The chapter whose events it receives. Empty: every chapter (national coordinators only).",
    )
    url = models.URLField(
        "URL", max_length=500, help_text="Where each event is POSTed, as JSON signed in the Standard Webhooks format."
    )
    on_person_created = models.BooleanField("person created", default=True)
    on_person_updated = models.BooleanField("person updated", default=False)
    on_person_left = models.BooleanField("person left", default=False)
    on_attendance_recorded = models.BooleanField("attendance recorded", default=False)
    on_endorsement_published = models.BooleanField("endorsement published", default=False)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        editable=False,
        help_text="Mailed when the subscription is paused.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    paused_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Paused after failing for too long; nothing is sent."
    )
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "webhook subscription"

    def __str__(self) -> str:
        return self.name

    def events(self) -> list[str]:
        return [event for event, field in EVENT_FIELDS.items() if getattr(self, field)]


class Delivery(models.Model):
    """One event for one subscription: its signed body as sent, and how sending went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (subscription paused)"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    # Whom a person event is about, so that deleting the account deletes these too (webhooks.events.on_left).
    # No foreign key: members' own deletion must not depend on this app.
    person_id = models.PositiveIntegerField(null=True, blank=True, db_index=True, editable=False)
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_recent_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription} ({self.status})"


class Attempt(models.Model):
    """One try at sending a delivery: the answer's status (or the error) and how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"


class Receiver(models.Model):
    """A chapter's secret URL for Action Network's webhooks: whoever knows it may add people to the chapter."""

    chapter = models.OneToOneField(Chapter, on_delete=models.CASCADE, related_name="webhook_receiver")
    token = models.CharField(max_length=64, unique=True, default=new_receiver_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        help_text="People arrive in their name; the URL stops working when they no longer coordinate the chapter.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "Action Network receiver"

    def __str__(self) -> str:
        return f"Action Network → {self.chapter}"


class Received(models.Model):
    """One Action Network item received: its idempotency key (a repeat is ignored) and what came of it."""

    receiver = models.ForeignKey(Receiver, on_delete=models.CASCADE, related_name="received")
    idempotency_key = models.CharField(max_length=200)
    kind = models.CharField(max_length=50)
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["receiver", "idempotency_key"], name="webhook_received_once"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key}: {self.outcome}"
