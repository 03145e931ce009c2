"""Action Network's webhooks, received for one chapter: each activist in them created or updated.

Action Network POSTs a JSON array; each item holds one object under its type's name
(`osdi:submission`, `osdi:signature`, `osdi:attendance`, `osdi:donation`, `osdi:outreach`,
`action_network:upload`, `action_network:action`, ...) with the activist under `person`, and an
`idempotency_key` (since 2022) that stays the same when it sends the item again. People go
through the API's signup helper, checked as the join form checks them and placed by ZIP code;
the helper refuses anyone outside the chapter, as a key for the chapter would be refused. A key
seen before is ignored, so a repeated delivery changes nothing.
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from api.access import Access, ApiError
from api.models import ApiKey
from api.signup import clean_signup, sign_up_through_api
from chapters.models import Chapter
from webhooks.models import Received, Receiver


@dataclass
class Summary:
    created: int = 0
    updated: int = 0
    repeated: int = 0
    skipped: int = 0
    refused: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "repeated": self.repeated,
                "skipped": self.skipped, "refused": self.refused}  # fmt: skip


class BadPayload(Exception):
    pass


def parse(raw: bytes) -> list[dict]:
    try:
        items = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadPayload("The body is not JSON.") from None
    if isinstance(items, dict):  # a single item, as some tools send one
        items = [items]
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BadPayload("Expected a JSON array of objects, as Action Network sends.")
    return items


def typed_object(item: dict) -> tuple[str, dict] | tuple[None, None]:
    """The item's type and object: the key (other than idempotency_key) whose value holds a person."""
    for kind, value in item.items():
        if isinstance(value, dict) and isinstance(value.get("person"), dict):
            return kind, value
    return None, None


def idempotency_key(item: dict, obj: dict | None, kind: str | None) -> str:
    """Action Network's key; without one, a digest of the item (the same item sent twice is still one)."""
    key = item.get("idempotency_key") or (obj or {}).get("idempotency_key")
    if isinstance(key, (str, int)) and str(key).strip():
        return str(key).strip()[:200]
    return "sha256:" + hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()


def access_for(receiver: Receiver) -> Access:
    """What the receiver may do: what a write key for its chapter, made by its creator, would do."""
    key = ApiKey(name="Action Network webhook", chapter=receiver.chapter, scope=ApiKey.Scope.WRITE,
                 created_by=receiver.created_by)  # fmt: skip
    return Access(key=key, chapter_id=receiver.chapter_id)


def creator_still_coordinates(receiver: Receiver) -> bool:
    return Chapter.objects.visible_to(receiver.created_by).filter(pk=receiver.chapter_id).exists()


def receive(receiver: Receiver, items: list[dict]) -> Summary:
    summary = Summary()
    access = access_for(receiver)
    for item in items:
        kind, obj = typed_object(item)
        key = idempotency_key(item, obj, kind)
        if Received.objects.filter(receiver=receiver, idempotency_key=key).exists():
            summary.repeated += 1
            continue
        outcome = handle(access, kind, obj, summary)
        try:
            with transaction.atomic():
                Received.objects.create(receiver=receiver, idempotency_key=key, kind=kind or "unknown",
                                        outcome=outcome[:300])  # fmt: skip
        except IntegrityError:  # the same key in a concurrent request: that one counts
            summary.repeated += 1
    return summary


def handle(access: Access, kind: str | None, obj: dict | None, summary: Summary) -> str:
    if obj is None:
        summary.skipped += 1
        return "Skipped: no person in this item."
    try:
        with transaction.atomic():
            member, created = sign_up_through_api(access=access, signup=clean_signup(obj["person"]))
    except ApiError as error:
        summary.refused.append(error.message)
        return f"Refused: {error.message}"
    if created:
        summary.created += 1
        return f"Created person {member.pk}."
    summary.updated += 1
    return f"Updated person {member.pk}."
