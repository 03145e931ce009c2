"""Events: the weekly calls, chapter meetings, tabling, town halls and rallies, with RSVPs.

An event is what people are asked to (title, place, capacity, visibility, hosts); an
`Occurrence` is one date it is held on. A one-off event has one occurrence; a weekly one
has a row per date, materialised a few weeks ahead (`Event.materialise`, run when the event
is saved and by a periodic task). Rows rather than a rule expanded on the fly because
everything people do happens to one date: an RSVP, its place under the capacity (the row
is what `select_for_update` locks), its reminders and its attendance. A date that is
cancelled or moved stays a row with its RSVPs, so nothing said about it is lost.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from phonenumber_field.modelfields import PhoneNumberField

from chapters.models import Chapter
from lib.validators import no_control_characters, no_control_characters_multiline

# How far ahead a weekly event's dates exist as rows (RSVPs can be made to any of them).
MATERIALISE_WEEKS = 8
DEFAULT_REMINDERS = [24 * 60, 60]  # minutes before the start: the day before, and an hour before
MAX_REMINDER_MINUTES = 7 * 24 * 60  # a week: how far ahead the reminder task looks


def default_reminders() -> list[int]:
    return list(DEFAULT_REMINDERS)


class EventQuerySet(models.QuerySet):
    def scheduled(self) -> "EventQuerySet":
        return self.filter(status=Event.Status.SCHEDULED)

    def visible_to(self, user) -> "EventQuerySet":
        """Scheduled, cancelled and closed events anyone may open: public ones, and members-only
        ones for people logged in. Proposals and declined ones are the admin's."""
        shown = self.exclude(status__in=[Event.Status.PROPOSED, Event.Status.DECLINED])
        if user is not None and user.is_authenticated:
            return shown
        return shown.filter(visibility=Event.Visibility.PUBLIC)

    def standing_call(self, chapter: Chapter | None) -> "Event | None":
        """The chapter's weekly call (the national one for None), if it holds one."""
        return self.filter(standing_call=True, chapter=chapter).first()


class Event(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        MEETING = "meeting", "Meeting"
        TABLING = "tabling", "Tabling"
        TOWN_HALL = "town_hall", "Town hall"
        RALLY = "rally", "Rally"
        OTHER = "other", "Other"

    class Recurrence(models.TextChoices):
        NONE = "", "Once"
        WEEKLY = "weekly", "Every week"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        MEMBERS = "members", "Members only"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        DECLINED = "declined", "Declined"
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"
        CLOSED = "closed", "Closed"

    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        help_text="Leave empty for a national event.",
    )
    title = models.CharField(max_length=200, validators=[no_control_characters])
    slug = models.SlugField(max_length=200, blank=True, help_text="Made from the title; used in the address.")
    description = models.TextField(blank=True, max_length=10000, validators=[no_control_characters_multiline])
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MEETING)
    time_zone = models.CharField(
        max_length=60,
        default="America/Chicago",
        validators=[no_control_characters],
        help_text="IANA time zone the event is held in, e.g. America/Chicago; its times are shown in it.",
    )
    starts_at = models.DateTimeField(help_text="The first (or only) start.")
    ends_at = models.DateTimeField(help_text="The first (or only) end.")
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices, blank=True, default="")
    repeat_until = models.DateField(
        null=True, blank=True, help_text="A weekly event's last date, in its own zone; empty: until cancelled."
    )
    online = models.BooleanField(default=False, help_text="Held online: the link is the place.")
    address = models.TextField(
        blank=True,
        max_length=500,
        validators=[no_control_characters_multiline],
        help_text="Where it is held. For a members-only event only people who RSVP'd see it.",
    )
    zip_code = models.ForeignKey(
        "chapters.ZipCode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ZIP code",
        help_text="Where an in-person event is, for “events near you” and the map (the ZIP's centre is used).",
    )
    online_link = models.URLField(
        blank=True,
        max_length=500,
        validators=[no_control_characters],
        help_text="The meeting link; only people who RSVP'd see it. May be added later.",
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Places per date; empty: unlimited."
    )
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    hosts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="hosted_events")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    decline_reason = models.TextField(
        blank=True,
        max_length=2000,
        validators=[no_control_characters_multiline],
        help_text="Why a proposal was declined; mailed to the proposer.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposed_events",
    )
    reminder_minutes = ArrayField(
        models.PositiveIntegerField(validators=[MaxValueValidator(MAX_REMINDER_MINUTES)]),
        default=default_reminders,
        blank=True,
        size=5,
        help_text="Reminders, in minutes before the start (1440: the day before; 60: an hour before). A week at most.",
    )
    standing_call = models.BooleanField(
        default=False,
        help_text="The chapter's weekly call (or, with no chapter, the national call) that members are asked to.",
    )
    call_key = models.CharField(
        max_length=100,
        blank=True,
        editable=False,
        help_text="The weekly call this event continues (a chapter's slug or “national”): keeps /calls/ links working.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(status="declined") | Q(decline_reason=""), name="event_reason_only_when_declined"
            ),
            models.UniqueConstraint(
                fields=["chapter"],
                condition=Q(standing_call=True, chapter__isnull=False),
                name="event_one_chapter_call",
            ),
            models.UniqueConstraint(
                fields=["standing_call"],
                condition=Q(standing_call=True, chapter__isnull=True),
                name="event_one_national_call",
            ),
        ]
        indexes = [models.Index(fields=["chapter", "status", "starts_at"], name="event_chapter_upcoming_idx")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.slug = slugify(self.title)[:200] or "event"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:event-detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.time_zone not in zoneinfo.available_timezones():
            errors["time_zone"] = f"“{self.time_zone}” is not a time zone name; use one like America/Chicago."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must come after the start."
        if not self.online and not self.address.strip():
            errors["address"] = "Give the address, or mark the event as online with its link."
        if self.status == self.Status.DECLINED and not self.decline_reason.strip():
            errors["decline_reason"] = "Say why it is declined; the reason is mailed to the proposer."
        if self.status != self.Status.DECLINED and self.decline_reason:
            errors["decline_reason"] = "A reason is only for a declined proposal."
        if self.standing_call and self.recurrence != self.Recurrence.WEEKLY:
            errors["recurrence"] = "A standing call repeats every week."
        if errors:
            raise ValidationError(errors)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def duration(self) -> datetime.timedelta:
        return self.ends_at - self.starts_at

    @property
    def is_national(self) -> bool:
        return self.chapter_id is None

    @property
    def place_is_private(self) -> bool:
        """Whether the place (link or address) is kept for people who RSVP'd."""
        return self.online or self.visibility == self.Visibility.MEMBERS

    def local_start(self, day: datetime.date) -> datetime.datetime:
        """The start on `day` at the event's wall-clock time in its own zone (so a weekly event
        stays at 7:30 pm Central across daylight-saving changes)."""
        return datetime.datetime.combine(day, self.starts_at.astimezone(self.zone).timetz().replace(tzinfo=None),
                                         tzinfo=self.zone)  # fmt: skip

    def dates(self, until: datetime.date) -> list[datetime.date]:
        """Its local dates: a one-off's one, or a weekly one's from the first to `until` (and repeat_until)."""
        first = self.starts_at.astimezone(self.zone).date()
        if self.recurrence != self.Recurrence.WEEKLY:
            return [first]  # a one-off's date exists however far ahead it is announced
        last = min(until, self.repeat_until) if self.repeat_until else until
        return (
            [first + datetime.timedelta(weeks=n) for n in range(((last - first).days // 7) + 1)]
            if last >= first
            else []
        )

    def materialise(self, *, now: datetime.datetime | None = None) -> None:
        """Create the occurrence rows up to MATERIALISE_WEEKS ahead; existing rows are kept as they are."""
        now = now or timezone.now()
        horizon = now.astimezone(self.zone).date() + datetime.timedelta(weeks=MATERIALISE_WEEKS)
        have = set(self.occurrences.values_list("date", flat=True))
        Occurrence.objects.bulk_create(
            [
                Occurrence(
                    event=self, date=day, starts_at=(start := self.local_start(day)), ends_at=start + self.duration
                )
                for day in self.dates(horizon)
                if day not in have
            ],
            ignore_conflicts=True,
        )


class OccurrenceQuerySet(models.QuerySet):
    def upcoming(self, now: datetime.datetime | None = None) -> "OccurrenceQuerySet":
        return self.filter(ends_at__gt=now or timezone.now(), cancelled=False).order_by("starts_at")


class Occurrence(models.Model):
    """One date an event is held on: what RSVPs, capacity, reminders and attendance are counted on."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    date = models.DateField(help_text="The local date in the event's zone.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    cancelled = models.BooleanField(default=False, help_text="This date only is called off.")

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "date"], name="occurrence_once_per_date"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="occurrence_ends_after_start"),
        ]
        indexes = [models.Index(fields=["starts_at"], name="occurrence_starts_idx")]

    def __str__(self) -> str:
        return f"{self.event} on {self.date:%Y-%m-%d}"


class RSVPQuerySet(models.QuerySet):
    def going(self) -> "RSVPQuerySet":
        return self.filter(status=RSVP.Status.GOING)

    def waitlisted(self) -> "RSVPQuerySet":
        return self.filter(status=RSVP.Status.WAITLISTED).order_by("created_at", "pk")

    def active(self) -> "RSVPQuerySet":
        """Those who told us they are coming or waiting for a place: the people mailed about changes."""
        return self.filter(status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED])


class RSVP(models.Model):
    """Someone saying they will come to one occurrence: a member (user), or a visitor by their details."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting email confirmation"
        GOING = "going", "Going"
        WAITLISTED = "waitlisted", "Waitlisted"
        CANCELLED = "cancelled", "Cancelled"

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="rsvps"
    )
    name = models.CharField(max_length=150, blank=True, validators=[no_control_characters])
    email = models.EmailField(help_text="Where the confirmation and reminders go (a member's account address).")
    zip_code = models.CharField("ZIP code", max_length=5, blank=True)
    phone = PhoneNumberField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.GOING)
    created_at = models.DateTimeField(default=timezone.now, help_text="Also the waitlist's order.")
    confirmed_at = models.DateTimeField(null=True, blank=True, help_text="When a visitor confirmed their address.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(default=False)
    attended_at = models.DateTimeField(null=True, blank=True)
    walk_in = models.BooleanField(default=False, help_text="Added at the door by a host.")

    objects = RSVPQuerySet.as_manager()

    class Meta:
        verbose_name = "RSVP"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "occurrence", name="rsvp_once_per_email"),
            models.UniqueConstraint(
                fields=["occurrence", "user"], condition=Q(user__isnull=False), name="rsvp_once_per_user"
            ),
        ]
        indexes = [models.Index(fields=["occurrence", "status", "created_at"], name="rsvp_waitlist_idx")]

    def __str__(self) -> str:
        return f"{self.name or self.email} → {self.occurrence}"


class ReminderSent(models.Model):
    """A reminder mailed for one RSVP and one offset: never sent twice."""

    rsvp = models.ForeignKey(RSVP, on_delete=models.CASCADE, related_name="reminders_sent")
    minutes_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rsvp", "minutes_before"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.minutes_before} min before, to {self.rsvp}"
