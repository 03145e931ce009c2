"""From a change in a lower app to a queued Delivery for each subscription that wants it.

Receivers run inside the change's transaction (members' signals are sent from within it, and
post_save fires before the commit), and the job is deferred through procrastinate's Django
connector on the same connection: the change and its deliveries commit together, or neither.
The payload is made now, so each delivery says what the record was at that moment.
"""

from django.core.cache import caches
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from api import event_resources, representations
from chapters.models import Chapter
from endorsements.models import Endorsement
from events import signals as event_signals
from events.models import RSVP
from members import signals
from members.models import Member
from webhooks.models import EVENT_FIELDS, Delivery, Event, Subscription

BATCH = 2000
LISTENERS_KEY = "webhook-listeners"
LISTENERS_KEPT_SECONDS = 30


def subscriptions_for(event: str, chapter_ids: list[int]):
    """Active subscriptions to this event, for one of these chapters or for every chapter."""
    return Subscription.objects.filter(
        Q(chapter__isnull=True) | Q(chapter_id__in=[c for c in chapter_ids if c is not None]),
        paused_at__isnull=True,
        **{EVENT_FIELDS[event]: True},
    )


def listened_to() -> set[tuple[str, int | None]]:
    """(event, chapter id, or None for every chapter) of the active subscriptions.

    Kept LISTENERS_KEPT_SECONDS in each process (the "process" cache): a signup asks this set, not
    the database, whether anyone listens, and most chapters have no subscription. A subscription
    saved or deleted is seen at once by its own process (`forget_listeners`), by the others within
    those seconds. A subscription paused meanwhile is still checked against the database.
    """

    def read() -> set[tuple[str, int | None]]:
        rows = Subscription.objects.filter(paused_at__isnull=True).values_list("chapter_id", *EVENT_FIELDS.values())
        return {(event, row[0]) for row in rows for event, on in zip(EVENT_FIELDS, row[1:], strict=True) if on}

    return caches["process"].get_or_set(LISTENERS_KEY, read, LISTENERS_KEPT_SECONDS)


def forget_listeners(sender, **kwargs) -> None:
    caches["process"].delete(LISTENERS_KEY)


def queue(event: str, chapter_ids: list[int], data, person_id: int | None = None) -> list[Delivery]:
    """One Delivery and one job per subscription; `data` is called only when someone listens."""
    listened = listened_to()
    if not any((event, chapter_id) in listened for chapter_id in [*chapter_ids, None]):
        return []
    subscriptions = list(subscriptions_for(event, chapter_ids))
    if not subscriptions:
        return []
    body = data()
    return write(event, [(subscription, body, person_id) for subscription in subscriptions])


def write(event: str, rows: list[tuple[Subscription, dict, int | None]]) -> list[Delivery]:
    """The deliveries and their jobs, each in one statement (an import can make thousands)."""
    from webhooks.tasks import deliver_webhook

    now = timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [Delivery(subscription=s, event=event, person_id=person_id,
                  payload={"type": str(event), "timestamp": now.isoformat(), "data": data})
         for s, data, person_id in rows],
        batch_size=BATCH,
    )  # fmt: skip
    for start in range(0, len(deliveries), BATCH):
        deliver_webhook.batch_defer(*({"delivery_id": d.pk} for d in deliveries[start : start + BATCH]))
    return deliveries


def person_data(member: Member):
    """The person as stored now: the database's triggers keep modified_at, which the instance in hand lacks."""

    def data() -> dict:
        fresh = Member.objects.select_related(*representations.PERSON_RELATED).get(pk=member.pk)
        return representations.person(fresh)

    return data


def on_joined(sender, member: Member, **kwargs) -> None:
    queue(Event.PERSON_CREATED, [member.chapter_id], person_data(member), member.pk)


def on_imported(sender, chapter: Chapter, at, **kwargs) -> None:
    """The people a roster import created (their joined_at is the import's time), in one pass."""
    subscriptions = list(subscriptions_for(Event.PERSON_CREATED, [chapter.pk]))
    if not subscriptions:
        return
    people = Member.objects.filter(chapter=chapter, joined_at=at, created_at=at).select_related(
        *representations.PERSON_RELATED
    )
    rows = []
    for member in people.iterator(chunk_size=BATCH):
        data = representations.person(member)
        rows += [(subscription, data, member.pk) for subscription in subscriptions]
    write(Event.PERSON_CREATED, rows)


def on_updated(sender, member: Member, **kwargs) -> None:
    queue(Event.PERSON_UPDATED, [member.chapter_id], person_data(member), member.pk)


def on_left(sender, member: Member, source: str = "", **kwargs) -> None:
    # Someone erasing their account is not sent out again: only who it was, by identifier; and
    # what was kept or waiting to be sent about them goes with the account.
    if source == "deletion":
        Delivery.objects.filter(person_id=member.pk).delete()
        data = lambda: {"identifiers": [f"{representations.IDENTIFIER_PREFIX}:{member.pk}"], "deleted": True}  # noqa: E731
    else:
        data = person_data(member)
    queue(Event.PERSON_LEFT, [member.chapter_id], data, member.pk)


def on_endorsement_saved(sender, instance: Endorsement, created: bool, update_fields=None, **kwargs) -> None:
    if instance.status != Endorsement.Status.PUBLISHED:
        return
    if not (created or (update_fields and "status" in update_fields)):
        return
    chapters = list(Chapter.objects.filter(state_id=instance.state_id).values_list("pk", flat=True))
    queue(Event.ENDORSEMENT_PUBLISHED, chapters, lambda: representations.endorsement(instance))


def on_attendance(sender, rsvp: RSVP, **kwargs) -> None:
    """Someone came: the API's attendance, to the event's chapter (a national event: every-chapter subscriptions)."""
    event = rsvp.occurrence.event
    member = Member.objects.filter(user_id=rsvp.user_id).first() if rsvp.user_id else None
    data = lambda: event_resources.attendance(rsvp, member, event, None)  # noqa: E731
    queue(Event.ATTENDANCE_RECORDED, [event.chapter_id], data, member.pk if member else None)


def connect() -> None:
    signals.person_joined.connect(on_joined, dispatch_uid="webhooks.person_joined")
    signals.people_imported.connect(on_imported, dispatch_uid="webhooks.people_imported")
    signals.person_updated.connect(on_updated, dispatch_uid="webhooks.person_updated")
    signals.person_left.connect(on_left, dispatch_uid="webhooks.person_left")
    post_save.connect(on_endorsement_saved, sender=Endorsement, dispatch_uid="webhooks.endorsement_published")
    event_signals.attendance_recorded.connect(on_attendance, dispatch_uid="webhooks.attendance_recorded")
    post_save.connect(forget_listeners, sender=Subscription, dispatch_uid="webhooks.forget_listeners_on_save")
    post_delete.connect(forget_listeners, sender=Subscription, dispatch_uid="webhooks.forget_listeners_on_delete")
