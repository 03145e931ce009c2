"""Coordinators hear about their members; new members get a welcome.

What was sent is recorded with a unique constraint, so that several workers, a retried job or
a periodic run repeated after a restart never mail anyone twice: the record and the queued mail
commit together (lib/mail_queue.py queues mail in the caller's transaction).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DigestPreference(models.Model):
    """How a chapter coordinator wants to hear of joins, moves and departures (daily when unset)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "A daily digest, in the morning, on days something happened"
        INSTANT = "instant", "One mail for each join, move or departure, as it happens"
        OFF = "off", "No mail about members"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {self.frequency}"

    @classmethod
    def of(cls, user) -> str:
        preference = cls.objects.filter(user=user).first()
        return preference.frequency if preference else cls.Frequency.DAILY


class DailyDigest(models.Model):
    """One coordinator's digest of one chapter for one day: composed once, mailed if it lists anything."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    chapter = models.ForeignKey("chapters.Chapter", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The day it reports on, in the chapter's time zone.")
    events = models.PositiveIntegerField(help_text="Joins, moves and departures it listed; none means no mail.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "chapter", "day"], name="daily_digest_once")]

    def __str__(self) -> str:
        return f"{self.chapter} on {self.day} for {self.user}"


class InstantNotice(models.Model):
    """One membership event told to one coordinator who chose instant notices."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("members.MembershipEvent", on_delete=models.CASCADE, related_name="+")
    chapter = models.ForeignKey("chapters.Chapter", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event", "chapter"], name="instant_notice_once")]

    def __str__(self) -> str:
        return f"{self.event} for {self.user}"


class WelcomeMail(models.Model):
    """The welcome mail a member was sent when their membership began (once, ever)."""

    member = models.OneToOneField("members.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Welcome to {self.member}"
