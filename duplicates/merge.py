"""Merging two people into one: `merge_members`, and the policy that says what happens to each related row.

Every model with a foreign key, one-to-one or many-to-many to the member or user models has
an entry in POLICIES, keyed "app_label.model.field". `relations()` discovers them through
`Model._meta.get_fields(include_hidden=True)`, so a model added later (events, tags,
broadcasts...) without an entry makes `merge_members` refuse to run, and
tests/duplicates/test_merge_policies.py names it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from lib import audit
from members.models import CONSENT_FIELDS, ConsentRecord, Member, MemberExport, MembershipEvent, User, record_consents


class MergeRefused(Exception):
    """Why two people cannot be merged, in words for the coordinator."""


@dataclass
class Merge:
    """The two people and what the policies did, for the preview and the audit record."""

    kept: Member
    dropped: Member
    moved: dict[str, int] = field(default_factory=dict)
    discarded: dict[str, int] = field(default_factory=dict)

    def ids(self, target: type[models.Model]) -> tuple[int, int]:
        """(kept, dropped) primary keys of the model a relation points to."""
        if target is User:
            return self.kept.user_id, self.dropped.user_id
        return self.kept.pk, self.dropped.pk


@dataclass(frozen=True)
class Policy:
    """What merging does with the dropped person's rows of one relation (`apply` returns rows moved, rows dropped)."""

    summary: str
    apply: Callable[[type[models.Model], models.ForeignKey, Merge], tuple[int, int]]


def _rows(model, fk, merge: Merge, which: int):
    return model._default_manager.filter(**{fk.attname: merge.ids(fk.related_model)[which]})


def _move(model, fk, merge: Merge) -> tuple[int, int]:
    kept_id, _ = merge.ids(fk.related_model)
    return _rows(model, fk, merge, 1).update(**{fk.attname: kept_id}), 0


def move_unless_taken(*unique: str) -> Callable:
    """Move, except the dropped person's rows that would repeat one of the kept person's on `unique`
    (both said they would attend the same call): those are deleted, the kept person's row stays."""

    def apply(model, fk, merge: Merge) -> tuple[int, int]:
        kept = _rows(model, fk, merge, 0).values(*unique)
        taken = _rows(model, fk, merge, 1).filter(
            models.Exists(kept.filter(**{name: models.OuterRef(name) for name in unique}))
        )
        discarded, _ = taken.delete()
        moved, _ = _move(model, fk, merge)
        return moved, discarded

    return apply


def _keep_one(model, fk, merge: Merge) -> tuple[int, int]:
    """A one-to-one (the coalition's question: one answer a person): the kept person's row wins."""
    if _rows(model, fk, merge, 0).exists():
        discarded, _ = _rows(model, fk, merge, 1).delete()
        return 0, discarded
    return _move(model, fk, merge)


def _drop(model, fk, merge: Merge) -> tuple[int, int]:
    discarded, _ = _rows(model, fk, merge, 1).delete()
    return 0, discarded


def _refuse(model, fk, merge: Merge) -> tuple[int, int]:
    if _rows(model, fk, merge, 1).exists() or _rows(model, fk, merge, 0).exists():
        raise MergeRefused(f"One of them has {model._meta.verbose_name_plural}: staff accounts are not merged here.")
    return 0, 0


def _email_addresses(model, fk, merge: Merge) -> tuple[int, int]:
    """Both addresses stay the kept account's; only one of them is primary (set once the login is chosen)."""
    kept_emails = _rows(model, fk, merge, 0).annotate(e=Lower("email")).values("e")
    discarded, _ = _rows(model, fk, merge, 1).annotate(e=Lower("email")).filter(e__in=kept_emails).delete()
    moved = _rows(model, fk, merge, 1).update(user_id=merge.kept.user_id, primary=False)
    return moved, discarded


def _the_merged_record(model, fk, merge: Merge) -> tuple[int, int]:
    return 0, 0  # the dropped membership itself: deleted by merge_members once every row has moved


MOVE = Policy("moved to the kept person", _move)
POLICIES: dict[str, Policy] = {
    # members
    "members.member.user": Policy("the dropped membership, removed after the merge", _the_merged_record),
    "members.membershipevent.member": MOVE,
    "members.consentrecord.member": MOVE,
    "members.memberaccess.member": MOVE,
    "members.memberaccess.actor": MOVE,
    "members.memberexport.actor": MOVE,
    # the account
    "account.emailaddress.user": Policy("kept as further addresses of the kept account", _email_addresses),
    "admin.logentry.user": MOVE,
    "mfa.authenticator.user": Policy("refused: staff accounts are not merged", _refuse),
    "members.user_groups.user": Policy("refused: staff accounts are not merged", _refuse),
    "members.user_user_permissions.user": Policy("refused: staff accounts are not merged", _refuse),
    # chapters and the feature apps
    "chapters.officer.user": MOVE,
    "chapters.statuschange.changed_by": MOVE,
    "dashboards.reachsnapshot.recorded_by": MOVE,
    "endorsements.endorsement.user": MOVE,
    "endorsements.endorsement.verified_by": MOVE,
    "endorsements.endorsement.withdrawn_by": MOVE,
    "events.rsvp.user": Policy(
        "moved; an event both said they would attend is kept once", move_unless_taken("occurrence")
    ),
    "events.event.proposed_by": MOVE,
    "events.event_hosts.user": Policy("moved; an event both host is kept once", move_unless_taken("event")),
    "tags.membertag.member": Policy("moved; a tag both carry is kept once", move_unless_taken("tag")),
    "tags.membertag.added_by": MOVE,
    "segments.segment.owner": MOVE,
    "broadcasts.recipient.member": Policy(
        "moved; a broadcast both were sent is kept once", move_unless_taken("broadcast")
    ),
    "broadcasts.broadcast.created_by": MOVE,
    "broadcasts.broadcast.sent_by": MOVE,
    "digests.welcomemail.member": Policy("the kept person's welcome mail record wins", _keep_one),
    # Coordinators' mail about their members: staff, whose accounts are refused above anyway.
    "digests.digestpreference.user": Policy("the kept person's choice wins", _keep_one),
    "digests.dailydigest.user": Policy("records of digests sent to the dropped person are forgotten", _drop),
    "digests.instantnotice.user": Policy("records of notices sent to the dropped person are forgotten", _drop),
    "question.answer.user": Policy("moved, unless the kept person answered too (their answer stays)", _keep_one),
    # this app
    "duplicates.dismissedpair.low": Policy("dismissals of the dropped person are forgotten", _drop),
    "duplicates.dismissedpair.high": Policy("dismissals of the dropped person are forgotten", _drop),
    "duplicates.dismissedpair.dismissed_by": MOVE,
}


def relations() -> list[tuple[str, type[models.Model], models.Field]]:
    """Every foreign key and one-to-one to User or Member, many-to-many through tables included."""
    found = []
    for target in (User, Member):
        for rel in target._meta.get_fields(include_hidden=True):
            if rel.is_relation and rel.auto_created and not rel.concrete and not rel.many_to_many:
                model, fk = rel.related_model, rel.field
                found.append((f"{model._meta.label_lower}.{fk.name}", model, fk))
    return sorted(found, key=lambda item: item[0])


def unhandled() -> list[str]:
    return [key for key, _, _ in relations() if key not in POLICIES]


# The fields a coordinator chooses between, by label; ("user", name) or ("member", name). The ZIP code
# brings its county, state and chapter with it.
CHOICES = {
    "first_name": ("First name", "user"),
    "last_name": ("Last name", "user"),
    "email": ("Email (login)", "user"),
    "phone": ("Phone", "member"),
    "zip_code": ("ZIP code and county", "member"),
    "email_updates": ("Email updates", "member"),
    "text_messages": ("Text messages", "member"),
    "show_name_publicly": ("Name on the public chapter page", "member"),
}
# Combined, not chosen: the earliest dates, the most committed status, the first non-empty source.
STATUS_RANK = [Member.Status.LEFT, Member.Status.PENDING, Member.Status.IMPORTED, Member.Status.ACTIVE]
SOURCE_FIELDS = ["ref", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]


def value_of(member: Member, name: str):
    if name == "zip_code":
        return f"{member.zip_code_id} ({member.county})"
    owner = member.user if CHOICES[name][1] == "user" else member
    value = getattr(owner, name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value) if value else ""


def default_choices(kept: Member, dropped: Member) -> dict[str, str]:
    """The kept person's values, except where only the dropped person has one."""
    return {name: "dropped" if not value_of(kept, name) and value_of(dropped, name) else "kept" for name in CHOICES}


def dropped_values(kept: Member, dropped: Member, choices: dict[str, str]) -> list[tuple[str, str]]:
    """(label, value) of every value the merge loses: the one not chosen of each differing field, the rest."""
    lost = []
    for name, (label, _) in CHOICES.items():
        if name == "email":
            continue  # not lost: the address not chosen as the login stays one of the account's addresses
        loser = dropped if choices.get(name, "kept") == "kept" else kept
        winner = kept if loser is dropped else dropped
        if value_of(loser, name) and value_of(loser, name) != value_of(winner, name):
            lost.append((label, value_of(loser, name)))
    for name in SOURCE_FIELDS:
        if getattr(kept, name) and getattr(dropped, name) and getattr(kept, name) != getattr(dropped, name):
            lost.append((Member._meta.get_field(name).verbose_name.capitalize(), getattr(dropped, name)))
    if kept.user.has_usable_password() and dropped.user.has_usable_password():
        lost.append(("Password", f"the one of {dropped.user.email} (the kept account's password stays)"))
    return lost


def check_mergeable(kept: Member, dropped: Member) -> None:
    if kept.pk == dropped.pk:
        raise MergeRefused("That is one and the same person.")
    for user in (kept.user, dropped.user):
        if user.is_staff or user.is_superuser:
            raise MergeRefused(f"{user.email} is a staff account: staff accounts are not merged here.")
    missing = unhandled()
    if missing:
        raise MergeRefused(f"No merge policy for {', '.join(missing)}: nothing was merged.")


def counts(kept: Member, dropped: Member) -> list[tuple[str, int, str]]:
    """(relation, rows of the dropped person, what will happen to them), for the preview."""
    merge = Merge(kept, dropped)
    out = []
    for key, model, fk in relations():
        if key == "members.member.user":
            continue
        n = _rows(model, fk, merge, 1).count()
        if n:
            out.append((f"{model._meta.verbose_name_plural} ({fk.verbose_name})", n, POLICIES[key].summary))
    return out


@transaction.atomic
def merge_members(*, kept: Member, dropped: Member, choices: dict[str, str], actor: User) -> Merge:
    """Make two memberships one: every related row moves to `kept`, `dropped` (member and account) is deleted.

    `choices` maps each field of CHOICES to "kept" or "dropped": whose value the merged person has.
    Refused unless the actor manages both. Written to the kept person's history with what was dropped.
    """
    # Locked in id order, so that two merges touching the same people wait instead of deadlocking.
    locked = Member.objects.select_for_update().select_related("user", "county").in_bulk([kept.pk, dropped.pk])
    if len(locked) != 2 and kept.pk != dropped.pk:
        raise MergeRefused("One of them no longer exists: perhaps merged or deleted meanwhile.")
    kept, dropped = locked[kept.pk], locked[dropped.pk]
    if Member.objects.visible_to(actor).filter(pk__in=[kept.pk, dropped.pk]).count() != len(locked):
        raise MergeRefused("Only people of your own chapters can be merged.")
    check_mergeable(kept, dropped)
    lost = dropped_values(kept, dropped, choices)
    merge = Merge(kept, dropped)
    take = {name: (dropped if choices.get(name) == "dropped" else kept) for name in CHOICES}
    chosen = {name: getattr(take[name].user if side == "user" else take[name], name) for name, (_, side) in
              CHOICES.items() if name != "zip_code"}  # fmt: skip
    place = (take["zip_code"].zip_code, take["zip_code"].county)
    before = {
        "counted": kept.is_counted, "chapter": kept.chapter_id, "state": kept.state_id,
        **{name: getattr(kept, name) for name in CONSENT_FIELDS},
    }  # fmt: skip
    dropped_user_id, dropped_email = dropped.user_id, dropped.user.email

    if dropped.is_counted:  # two records become one: the history counts one departure
        MembershipEvent.objects.create(
            member=dropped, kind=MembershipEvent.Kind.LEFT, source="merge",
            from_chapter_id=dropped.chapter_id, from_state_id=dropped.state_id,
        )  # fmt: skip
    for key, model, fk in relations():
        moved, discarded = POLICIES[key].apply(model, fk, merge)
        if moved:
            merge.moved[key] = moved
        if discarded:
            merge.discarded[key] = discarded
    _move_histories(kept, dropped)
    _move_exports(kept, dropped)

    status = max(kept.status, dropped.status, key=STATUS_RANK.index)
    joined = [d for d in (kept.joined_at, dropped.joined_at) if d]
    created_at = min(kept.created_at, dropped.created_at)
    sources = {name: getattr(kept, name) or getattr(dropped, name) for name in SOURCE_FIELDS}
    dropped.delete()
    User.objects.filter(pk=dropped_user_id).delete()

    user = kept.user
    for name, (_, side) in CHOICES.items():
        if side == "user":
            setattr(user, name, chosen[name])
    user.save(update_fields=["first_name", "last_name", "email"])
    EmailAddress.objects.filter(user=user).update(primary=False)
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(primary=True)

    for name, (_, side) in CHOICES.items():
        if side == "member" and name != "zip_code":
            setattr(kept, name, chosen[name])
    kept.place(*place)
    kept.status, kept.created_at = status, created_at
    kept.joined_at = min(joined) if joined else None
    for name, value in sources.items():
        setattr(kept, name, value)
    kept.save()
    _record_history(kept, before)
    record_consents(kept, {k: v for k, v in before.items() if k in CONSENT_FIELDS}, ConsentRecord.Source.ADMIN)

    message = f"Merged with {dropped_email}: " + (
        "dropped " + "; ".join(f"{label}: {value}" for label, value in lost) if lost else "no value dropped"
    )
    moved_total, discarded_total = sum(merge.moved.values()), sum(merge.discarded.values())
    message += f". {moved_total} related row(s) moved, {discarded_total} dropped as repeats"
    if merge.discarded:
        message += " (" + ", ".join(f"{k}: {n}" for k, n in merge.discarded.items()) + ")"
    audit.record(actor, kept, message[:2000] + ".")
    return merge


def _move_histories(kept: Member, dropped: Member) -> None:
    """The admin history about the dropped member and account becomes the kept ones' (the merge is part of it)."""
    for model, old, new in ((Member, dropped.pk, kept.pk), (User, dropped.user_id, kept.user_id)):
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id=str(old)).update(
            object_id=str(new)
        )


def _move_exports(kept: Member, dropped: Member) -> None:
    """Exports that included the dropped person included the kept one: their profile shows them."""
    table = MemberExport._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET member_ids = CASE WHEN member_ids @> ARRAY[%(kept)s]::bigint[]"
            f" THEN array_remove(member_ids, %(dropped)s) ELSE array_replace(member_ids, %(dropped)s, %(kept)s) END"
            f" WHERE id IN (SELECT member_exports_including(%(dropped)s))",
            {"kept": kept.pk, "dropped": dropped.pk},
        )


def _record_history(kept: Member, before: dict) -> None:
    """The membership history after the merge: a move if the chosen ZIP code changed chapter, a join if it
    is now counted through the dropped person's status."""
    moved = (kept.chapter_id, kept.state_id) != (before["chapter"], before["state"])
    if kept.is_counted and not before["counted"]:
        MembershipEvent.objects.create(
            member=kept, kind=MembershipEvent.Kind.JOINED, source="merge",
            to_chapter_id=kept.chapter_id, to_state_id=kept.state_id, occurred_at=timezone.now(),
        )  # fmt: skip
    elif kept.is_counted and moved:
        MembershipEvent.objects.create(
            member=kept, kind=MembershipEvent.Kind.MOVED, source="merge",
            from_chapter_id=before["chapter"], from_state_id=before["state"],
            to_chapter_id=kept.chapter_id, to_state_id=kept.state_id,
        )  # fmt: skip
