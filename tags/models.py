"""Coordinators' labels for members ("volunteer", "donor"): national tags, seen by every
coordinator, and chapter tags, seen by that chapter's coordinators only.

Tags are coordinators' notes: they never reach members, public pages, feeds or mail.
Every change to a member's tags is written to the member's audit history.
"""

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from chapters.models import Chapter
from lib import audit
from lib.validators import no_control_characters
from members.models import Member, User


class TagQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TagQuerySet":
        """National tags and the tags of the chapters the user manages (every tag for national)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(Q(chapter__isnull=True) | Q(chapter__in=Chapter.objects.visible_to(user)))


class Tag(models.Model):
    name = models.CharField(max_length=60, validators=[no_control_characters])
    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tags",
        help_text="Empty for a national tag (every coordinator sees it); else only this chapter's coordinators do.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "chapter", models.functions.Lower("name"), nulls_distinct=False, name="tag_name_unique_per_chapter"
            ),
        ]

    def __str__(self) -> str:
        return self.name if self.chapter_id is None else f"{self.name} ({self.chapter})"


class MemberTag(models.Model):
    """One member carrying one tag; who put it there and when."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="member_links")
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "tag"], name="member_tag_once")]
        # Segments ask "members with tag T": the tag first, then the member.
        indexes = [models.Index(fields=["tag", "member"], name="member_tag_by_tag_idx")]

    def __str__(self) -> str:
        return f"{self.tag} on {self.member}"


@transaction.atomic
def tag_members(*, tag: Tag, members, actor: User | None, source: str = "admin") -> int:
    """Put `tag` on every member of `members` (a queryset) not already carrying it; audited per member."""
    new = list(members.exclude(tag_links__tag=tag).select_related("user"))
    MemberTag.objects.bulk_create([MemberTag(member=m, tag=tag, added_by=actor) for m in new], ignore_conflicts=True)
    audit.record(actor, new, f"Tagged {tag.name!r} ({source}).")
    return len(new)


@transaction.atomic
def untag_members(*, tag: Tag, members, actor: User | None, source: str = "admin") -> int:
    """Take `tag` off every member of `members` carrying it; audited per member."""
    carrying = list(members.filter(tag_links__tag=tag).select_related("user"))
    MemberTag.objects.filter(tag=tag, member__in=carrying).delete()
    audit.record(actor, carrying, f"Tag {tag.name!r} removed ({source}).")
    return len(carrying)
