"""Broadcasts: a coordinator writes to the members of their chapters who agreed to email updates.

A Broadcast holds what is written and who it is for (a segments definition, optionally a saved
segment on top, always within its chapter for a chapter broadcast). When it is sent, its
audience is materialised once as Recipient rows (one INSERT ... SELECT, in a job), and a job
sends them in batches, each row claimed before its message leaves and marked sent right after
the server accepts it, so a worker killed mid-broadcast resumes without sending twice.

Only members who agreed to email updates, count as members (active or imported) and whose
address is not suppressed are ever in an audience. An address is suppressed by a hard bounce or
a complaint reported by the mail provider (anymail's tracking signal, `on_tracking`) or by a
permanent (5xx) refusal at send time.
"""

import logging

from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone

from chapters.models import Chapter
from lib import audit
from members.models import ConsentRecord, Member, User
from segments.definition import describe, members_matching
from segments.models import Segment

logger = logging.getLogger(__name__)


class BroadcastQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BroadcastQuerySet":
        """National coordinators see every broadcast; a chapter coordinator those of their chapters."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(chapter__in=Chapter.objects.visible_to(user))


class Broadcast(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    subject = models.CharField(max_length=200)
    preview_text = models.CharField(max_length=200, blank=True, help_text="The line inboxes show after the subject.")
    body = models.TextField(
        help_text="Markdown. Merge fields: {{ first_name }}, {{ chapter }}, {{ next_call }} (with its time in the "
        "member's own zone), {{ share_link }} (the member's own join link). An unsubscribe link and the "
        "footer are added below."
    )
    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="broadcasts",
        help_text="The chapter it is from: only that chapter's members receive it. Empty for a national "
        "broadcast (national coordinators only).",
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="broadcasts",
        help_text="Optionally, only the members of this saved segment (besides the filters below).",
    )
    definition = models.JSONField(
        default=dict, blank=True, help_text="The audience's filters (segments/definition.py)."
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    send_at = models.DateTimeField(null=True, blank=True, help_text="When a scheduled broadcast starts.")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Whose scope the audience was taken in.",
    )  # fmt: skip
    base_url = models.CharField(max_length=200, blank=True, help_text="The site's address, for links in the mail.")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = BroadcastQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject

    def audience(self, user) -> models.QuerySet:
        """The members this broadcast would reach now, among those `user` may see: one query."""
        members = members_matching(self.definition, user)
        if self.chapter_id is not None:
            members = members.filter(chapter_id=self.chapter_id)
        if self.segment_id is not None:
            members = members.filter(pk__in=self.segment.members(user).values("pk"))
        return reachable(members)

    def describe(self) -> str:
        where = f" (within {self.chapter})" if self.chapter_id else ""
        segment = f", in segment “{self.segment}”" if self.segment_id else ""
        return describe(self.definition) + segment + where + ", who agreed to email updates"

    def counts(self) -> dict[str, int]:
        """Recipients by state, for the progress bar: one GROUP BY."""
        found = dict(self.recipients.values_list("state").annotate(n=models.Count("pk")).order_by())
        return {state: found.get(state, 0) for state in Recipient.State.values}


def reachable(members: models.QuerySet) -> models.QuerySet:
    """Of these members, those a broadcast may reach: consented, counted, address not suppressed."""
    suppressed = Suppression.objects.filter(email=Lower(OuterRef("user__email")))
    return members.filter(email_updates=True, status__in=Member.COUNTED).exclude(Exists(suppressed))


class Recipient(models.Model):
    """One member's copy of one broadcast, and where it stands."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        CANCELLED = "cancelled", "Cancelled"

    # One row per broadcast and member, keyed by both: the primary key is the only index the
    # materialising INSERT must fill besides the member's (which deleting a member reads). No
    # foreign-key constraints in the database: checking them for every row cost more than the rest
    # of the INSERT together. Rows are only written by `materialise` from existing members, and
    # Django's on_delete=CASCADE removes them with their broadcast or member.
    pk = models.CompositePrimaryKey("broadcast", "member")
    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, related_name="recipients", db_constraint=False, db_index=False
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="broadcast_copies", db_constraint=False)
    email = models.EmailField(help_text="The address it went to.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.email} ({self.get_state_display()})"


class Suppression(models.Model):
    """An address no broadcast goes to again: it bounced for good, complained, or was refused (5xx)."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", "Hard bounce (provider report)"
        COMPLAINED = "complained", "Spam complaint"
        REFUSED = "refused", "Refused for good at send time (5xx)"

    email = models.EmailField(unique=True, help_text="Lower case.")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_reason_display()}"


def suppress(email: str, reason: str, detail: str = "") -> None:
    """Suppress the address (idempotent: the first reason is kept); the sender skips its queued copies."""
    email = email.strip().lower()
    Suppression.objects.get_or_create(email=email, defaults={"reason": reason, "detail": detail[:300]})


def withdraw_email_consent(member: Member, *, source: str, detail: str) -> bool:
    """Turn email updates off with a consent record; False (and nothing written) when already off."""
    with transaction.atomic():
        changed = Member.objects.filter(pk=member.pk, email_updates=True).update(email_updates=False)
        if changed:
            ConsentRecord.objects.create(
                member=member, topic=ConsentRecord.Topic.EMAIL_UPDATES, given=False, source=source, detail=detail
            )
    return bool(changed)


def unsubscribe(recipient: Recipient) -> bool:
    """One-click unsubscribe from a broadcast's link: idempotent; True when consent was withdrawn now."""
    withdrew = withdraw_email_consent(
        recipient.member, source=ConsentRecord.Source.ONE_CLICK, detail=f"broadcast {recipient.broadcast_id}"
    )
    Recipient.objects.filter(pk=recipient.pk).update(state=Recipient.State.UNSUBSCRIBED)
    if withdrew:
        audit.record(
            None, recipient.member, f"Unsubscribed from email updates (one-click, broadcast {recipient.broadcast_id})"
        )
    return withdrew


def on_tracking(sender, event, esp_name: str, **kwargs) -> None:
    """anymail's tracking signal: a hard bounce or a complaint suppresses the address; a complaint or
    the provider's unsubscribe also withdraws the member's consent."""
    if not event.recipient or event.event_type not in ("bounced", "complained", "unsubscribed"):
        return
    email = event.recipient.strip().lower()
    detail = f"{esp_name} {event.event_type}: {event.description or event.reject_reason or ''}".strip()
    if event.event_type in ("bounced", "complained"):
        suppress(email, event.event_type, detail)
    if event.event_type in ("complained", "unsubscribed"):
        for member in Member.objects.filter(user__in=User.objects.with_email(email)).select_related("user"):
            if withdraw_email_consent(
                member, source=ConsentRecord.Source.PROVIDER, detail=f"{esp_name} {event.event_type}"
            ):
                audit.record(None, member, f"Email updates withdrawn: {esp_name} reported {event.event_type}")
    logger.info("Provider %s reported %s for a recipient", esp_name, event.event_type)


def broadcasts_sent_to(member: Member) -> list[dict]:
    """For the member's data download: the broadcasts they were sent, and when."""
    copies = member.broadcast_copies.filter(state=Recipient.State.SENT).select_related("broadcast")
    return [
        {"broadcast": c.broadcast_id, "subject": c.broadcast.subject, "to": c.email, "sent_at": c.sent_at.isoformat()}
        for c in copies.order_by("sent_at")
    ]


def materialise(broadcast: Broadcast) -> int:
    """Write the audience as Recipient rows in one INSERT ... SELECT; returns how many were added.

    Taken in the scope of whoever started the send (`sent_by`). Running it again adds nobody twice:
    who is already a recipient is left out by NOT EXISTS, which costs nothing on the first run,
    where ON CONFLICT DO NOTHING made every row a speculative insertion.
    The rows go in member order, so both of the table's indexes grow at their right-hand end.
    """
    user = broadcast.sent_by
    if user is None:
        return 0
    members = broadcast.audience(user).order_by().values("pk", "user__email")
    try:
        sql, params = members.query.sql_with_params()
    except EmptyResultSet:  # e.g. a scope with no chapters
        return 0
    table = Recipient._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (broadcast_id, member_id, email, state, error) "
            f"SELECT %s, s.id, lower(s.email), %s, '' FROM ({sql}) s(id, email) "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.broadcast_id = %s AND r.member_id = s.id) "
            f"ORDER BY s.id",
            [broadcast.pk, Recipient.State.QUEUED, *params, broadcast.pk],
        )
        return cursor.rowcount


def claim(broadcast_id: int, after: int, size: int) -> list[tuple[int, str]]:
    """Take the next `size` queued recipients after member `after` for sending: (member id, email).

    One statement, walking the primary key in member order from where the last batch ended (so no
    index on the state is needed). SKIP LOCKED: should two senders ever run, each gets rows of its own.
    """
    table = Recipient._meta.db_table
    with connection.cursor() as cursor:
        # MATERIALIZED: the picked rows are read once; as a plain IN (subquery) PostgreSQL may scan it
        # again, and SKIP LOCKED would then skip this statement's own locks and claim more rows.
        cursor.execute(
            f"WITH picked AS MATERIALIZED ("
            f"  SELECT member_id FROM {table} WHERE broadcast_id = %s AND member_id > %s AND state = %s"
            f"  ORDER BY member_id LIMIT %s FOR UPDATE SKIP LOCKED"
            f") UPDATE {table} r SET state = %s FROM picked"
            f" WHERE r.broadcast_id = %s AND r.member_id = picked.member_id RETURNING r.member_id, r.email",
            [broadcast_id, after, Recipient.State.QUEUED, size, Recipient.State.SENDING, broadcast_id],
        )
        return sorted(cursor.fetchall())


def mark(broadcast_id: int, member_id: int, state: str, error: str = "") -> None:
    """Record one recipient's outcome at once (its own commit): a crash after it never sends it again."""
    # Raw SQL, the shortest round trip: a worker killed between the server's 250 and this commit
    # would send that one message again, so the time between the two is kept as small as it goes.
    sent_at = timezone.now() if state == Recipient.State.SENT else None
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Recipient._meta.db_table} SET state = %s, error = %s, sent_at = %s "
            f"WHERE broadcast_id = %s AND member_id = %s",
            [state, error[:300], sent_at, broadcast_id, member_id],
        )


def release_claims(broadcast_id: int) -> int:
    """Put back in the queue the rows a sender claimed but never finished (it was killed)."""
    return Recipient.objects.filter(broadcast_id=broadcast_id, state=Recipient.State.SENDING).update(
        state=Recipient.State.QUEUED
    )
