"""Instant notices start here: a membership event saved queues a job in the same transaction."""

from digests.digest import anyone_wants_instant_notice


def queue_instant_notices(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    # No job when nobody chose instant notices (most events), and no query either while that is kept.
    if created and not raw and anyone_wants_instant_notice(instance):
        from digests.tasks import notify_coordinators

        notify_coordinators.defer(event_id=instance.pk)
