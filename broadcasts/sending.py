"""What a coordinator does to a broadcast: test, schedule, send now, pause, resume, cancel.

Each verb is one function in one transaction that changes the broadcast, writes the audit
history and defers the job that does the work, so the request returns at once; a job deferred
in the transaction leaves only if it commits.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from broadcasts.mail import Compiled, check_merge_fields
from broadcasts.models import Broadcast, Recipient
from broadcasts.tasks import defer_sending, prepare_broadcast, start_scheduled
from lib import audit
from members.models import Member, User

State = Broadcast.State


def _change(broadcast: Broadcast, actor: User, allowed: tuple[str, ...], message: str, **fields) -> Broadcast:
    """Move the broadcast on if it is still in one of `allowed` states (checked with its row locked)."""
    locked = Broadcast.objects.select_for_update().get(pk=broadcast.pk)
    if locked.state not in allowed:
        raise ValidationError(f"This broadcast is {locked.get_state_display().lower()}: it cannot be {message}.")
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(fields))
    audit.record(actor, locked, f"Broadcast {message}")
    return locked


def _ready(broadcast: Broadcast) -> None:
    check_merge_fields(broadcast.subject + broadcast.body)
    if not broadcast.subject.strip() or not broadcast.body.strip():
        raise ValidationError("Write a subject and a body first.")


@transaction.atomic
def send_now(broadcast: Broadcast, *, actor: User, base_url: str) -> Broadcast:
    _ready(broadcast)
    broadcast = _change(broadcast, actor, (State.DRAFT, State.SCHEDULED), "sent", state=State.SENDING,
                        sent_by=actor, base_url=base_url, started_at=timezone.now(), send_at=None)  # fmt: skip
    prepare_broadcast.defer(broadcast_id=broadcast.pk)
    return broadcast


@transaction.atomic
def schedule(broadcast: Broadcast, *, actor: User, base_url: str, at: datetime.datetime) -> Broadcast:
    _ready(broadcast)
    if at <= timezone.now():
        raise ValidationError("Choose a time in the future, or send it now.")
    broadcast = _change(broadcast, actor, (State.DRAFT, State.SCHEDULED), f"scheduled for {at:%Y-%m-%d %H:%M %Z}",
                        state=State.SCHEDULED, sent_by=actor, base_url=base_url, send_at=at)  # fmt: skip
    start_scheduled.configure(schedule_at=at).defer(broadcast_id=broadcast.pk, send_at=at.isoformat())
    return broadcast


@transaction.atomic
def unschedule(broadcast: Broadcast, *, actor: User) -> Broadcast:
    return _change(broadcast, actor, (State.SCHEDULED,), "unscheduled (back to draft)", state=State.DRAFT, send_at=None)


@transaction.atomic
def pause(broadcast: Broadcast, *, actor: User) -> Broadcast:
    """The sender stops after its current batch; queued rows wait."""
    return _change(broadcast, actor, (State.SENDING,), "paused", state=State.PAUSED)


@transaction.atomic
def resume(broadcast: Broadcast, *, actor: User) -> Broadcast:
    broadcast = _change(broadcast, actor, (State.PAUSED,), "resumed", state=State.SENDING)
    if broadcast.recipients.exists():
        defer_sending(broadcast.pk)
    else:  # paused before its audience was taken
        prepare_broadcast.defer(broadcast_id=broadcast.pk)
    return broadcast


@transaction.atomic
def cancel(broadcast: Broadcast, *, actor: User) -> Broadcast:
    """Nothing more leaves: queued rows are cancelled (those sent stay sent)."""
    broadcast = _change(broadcast, actor, (State.DRAFT, State.SCHEDULED, State.SENDING, State.PAUSED), "cancelled",
                        state=State.CANCELLED, finished_at=timezone.now())  # fmt: skip
    broadcast.recipients.filter(state=Recipient.State.QUEUED).update(state=Recipient.State.CANCELLED)
    return broadcast


def send_test(broadcast: Broadcast, *, actor: User, base_url: str) -> str:
    """A copy to the author's own address, merged with their own membership (or a chapter member's)."""
    _ready(broadcast)
    broadcast.base_url = base_url
    member = Member.objects.select_related("user", "chapter", "zip_code").filter(user=actor).first()
    member = member or sample_member(broadcast, actor)
    if member is None:
        raise ValidationError("A test needs one member to merge the fields with; there is none in this audience yet.")
    message = Compiled.of(broadcast).message(member, actor.email, recipient=False)
    message.subject = f"[Test] {message.subject}"
    message.send()  # the queued EMAIL_BACKEND: it leaves with the next worker
    audit.record(actor, broadcast, f"Test sent to {actor.email}")
    return actor.email


def sample_member(broadcast: Broadcast, user: User) -> Member | None:
    """A member the preview and the test show the merge fields of: the first of the audience."""
    return broadcast.audience(user).select_related("user", "chapter", "zip_code").order_by("pk").first()
