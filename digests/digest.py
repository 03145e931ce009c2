"""What coordinators are told about their chapters' members: the daily digest and instant notices.

Both read members' history (MembershipEvent): a join into the chapter, a move in or out, a
departure. A coordinator hears only of events into or out of a chapter they coordinate now.
"""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from chapters.models import Chapter, Officer
from digests.models import DailyDigest, DigestPreference, InstantNotice
from lib.mail import send_mail_template
from lib.urls import absolute_url
from members.models import MembershipEvent, User

INSTANT_KEY = "instant-notice-chapters"
INSTANT_KEPT_SECONDS = 30

# The digest leaves at this local hour of the chapter's (or, without a call zone, the coalition's) zone.
DIGEST_HOUR = 7


def chapter_zone(chapter: Chapter) -> ZoneInfo:
    """The chapter's time zone: its weekly call's, else the coalition's.

    A zone name stored before the form checked it must not stop every other chapter's digest.
    """
    try:
        return ZoneInfo(chapter.call_timezone or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


@dataclass
class Entry:
    """One event as the coordinator of `chapter` reads it."""

    section: str  # "joined", "moved_in" or "left"
    name: str
    detail: str
    admin_url: str  # empty when the person is no longer theirs to open


def describe(event: MembershipEvent, chapter: Chapter) -> Entry:
    member = event.member
    name = str(member) if member is not None else "Someone who has since deleted their account"
    ours = member is not None and member.chapter_id == chapter.pk
    admin_url = absolute_url(reverse("admin:members_member_change", args=[member.pk])) if ours else ""
    if event.to_chapter_id == chapter.pk and event.kind == MembershipEvent.Kind.JOINED:
        return Entry("joined", name, f"joined ({event.source or 'signup'})", admin_url)
    if event.to_chapter_id == chapter.pk:
        origin = event.from_chapter.name if event.from_chapter else "outside any chapter"
        return Entry("moved_in", name, f"moved in from {origin}", admin_url)
    if event.kind == MembershipEvent.Kind.MOVED:
        destination = event.to_chapter.name if event.to_chapter else "a place without a chapter"
        return Entry("left", name, f"moved to {destination}", admin_url)
    return Entry("left", name, "left the coalition", admin_url)


def events_between(chapter: Chapter, start: datetime.datetime, end: datetime.datetime):
    return (
        MembershipEvent.objects.filter(Q(to_chapter=chapter) | Q(from_chapter=chapter))
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .select_related("member__user", "from_chapter", "to_chapter")
        .order_by("occurred_at", "pk")
    )


def coordinators_wanting(frequency: str, chapter_ids) -> list[tuple[User, int]]:
    """(coordinator, chapter id) for the current coordinators of those chapters who chose `frequency`."""
    officers = Officer.objects.current().coordinators().filter(chapter_id__in=chapter_ids, user__is_active=True)
    if frequency == DigestPreference.Frequency.DAILY:
        officers = officers.exclude(user__digest_preference__frequency__in=["off", "instant"])
    else:
        officers = officers.filter(user__digest_preference__frequency=frequency)
    pairs = {(o.user_id, o.chapter_id): o.user for o in officers.select_related("user")}
    return [(user, chapter_id) for (_, chapter_id), user in pairs.items()]


def digest_context(chapter: Chapter, entries: list[Entry]) -> dict:
    return {
        "chapter": chapter,
        "entries": entries,
        "sections": [
            (title, [e for e in entries if e.section == key])
            for key, title in (("joined", "Joined"), ("moved_in", "Moved in"), ("left", "Left or moved away"))
        ],
        "members_url": absolute_url(reverse("admin:members_member_changelist") + f"?chapter={chapter.pk}"),
        "preferences_url": absolute_url(reverse("digests:preferences")),
    }


def send_digest(*, user: User, chapter: Chapter, day: datetime.date) -> bool:
    """Compose `user`'s digest of `chapter` for `day` once; mail it if something happened. True if mailed."""
    zone = chapter_zone(chapter)
    start = datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)
    with transaction.atomic():
        entries = [describe(e, chapter) for e in events_between(chapter, start, end)]
        try:
            with transaction.atomic():
                DailyDigest.objects.create(user=user, chapter=chapter, day=day, events=len(entries))
        except IntegrityError:  # composed already, by another run or another worker
            return False
        if not entries:
            return False
        context = {**digest_context(chapter, entries), "user": user, "day": day}
        send_mail_template("emails/daily_digest", [user.email], context)
    return True


def send_digests_due(now: datetime.datetime) -> int:
    """Send every digest due at `now`: past DIGEST_HOUR in the chapter's zone, about its yesterday."""
    pairs = coordinators_wanting(DigestPreference.Frequency.DAILY, Chapter.objects.values("pk"))
    chapters = Chapter.objects.in_bulk({chapter_id for _, chapter_id in pairs})
    due = []
    for user, chapter_id in pairs:
        local = now.astimezone(chapter_zone(chapters[chapter_id]))
        if local.hour >= DIGEST_HOUR:
            due.append((user, chapters[chapter_id], local.date() - datetime.timedelta(days=1)))
    composed = set(
        DailyDigest.objects.filter(day__in={day for _, _, day in due}, user__in={u.pk for u, _, _ in due}).values_list(
            "user_id", "chapter_id", "day"
        )
    )
    return sum(
        send_digest(user=user, chapter=chapter, day=day)
        for user, chapter, day in due
        if (user.pk, chapter.pk, day) not in composed
    )


def chapters_wanting_instant_notices() -> set[int]:
    """The chapters one of whose coordinators chose instant notices.

    Kept INSTANT_KEPT_SECONDS in each process (the "process" cache): every membership event asks,
    and few coordinators choose instant notices. A preference or a coordinator saved or deleted is
    seen at once by its own process (`forget_instant_chapters`), by the others within those
    seconds; `send_instant_notices` reads the coordinators afresh before mailing anyone.
    """

    def read() -> set[int]:
        wanting = DigestPreference.objects.filter(frequency=DigestPreference.Frequency.INSTANT).values("user")
        coordinators = Officer.objects.current().coordinators().filter(user__in=wanting)
        return set(coordinators.values_list("chapter_id", flat=True))

    return caches["process"].get_or_set(INSTANT_KEY, read, INSTANT_KEPT_SECONDS)


def forget_instant_chapters(sender, **kwargs) -> None:
    caches["process"].delete(INSTANT_KEY)


def anyone_wants_instant_notice(event: MembershipEvent) -> bool:
    chapter_ids = {event.to_chapter_id, event.from_chapter_id} - {None}
    return bool(chapter_ids & chapters_wanting_instant_notices())


def send_instant_notices(*, event: MembershipEvent) -> int:
    """Tell each coordinator who chose instant notices of the event, once each."""
    chapter_ids = {event.to_chapter_id, event.from_chapter_id} - {None}
    sent = 0
    for user, chapter_id in coordinators_wanting(DigestPreference.Frequency.INSTANT, chapter_ids):
        chapter = event.to_chapter if event.to_chapter_id == chapter_id else event.from_chapter
        with transaction.atomic():
            try:
                with transaction.atomic():
                    InstantNotice.objects.create(user=user, event=event, chapter=chapter)
            except IntegrityError:
                continue
            entry = describe(event, chapter)
            context = {**digest_context(chapter, [entry]), "user": user, "entry": entry, "event": event}
            send_mail_template("emails/member_notice", [user.email], context)
            sent += 1
    return sent
