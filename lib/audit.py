"""One audit trail for every change: Django admin's LogEntry.

Admin forms write it by themselves. Changes made elsewhere (model methods, bulk admin
actions, imports, self-service pages) call `record` so that they appear in the same
per-object "History" page in the admin, with actor and time.
"""

from collections.abc import Iterable

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.db import models

__all__ = ["ADDITION", "CHANGE", "DELETION", "record"]


def record(actor, objects: models.Model | Iterable[models.Model], message: str, action: int = CHANGE) -> None:
    """Write one history entry per object. `actor` may be None for the system (e.g. a command)."""
    if isinstance(objects, models.Model):
        objects = [objects]
    objects = list(objects)
    if not objects:
        return
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else _system_user_id()
    LogEntry.objects.log_actions(
        user_id=actor_id, queryset=objects, action_flag=action, change_message=message, single_object=False
    )


def _system_user_id() -> int:
    """LogEntry needs a user; changes by commands are attributed to a dedicated inactive account."""
    user, _ = get_user_model().objects.get_or_create(
        email="system@coalition.invalid", defaults={"first_name": "System", "is_active": False}
    )
    return user.pk
