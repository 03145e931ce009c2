"""Saved segments: a named member filter (segments/definition.py), evaluated whenever it is used.

A segment stores its definition, never its members: its count, its list in the admin, a CSV
export or a broadcast audience always reflect the members as they are now. A chapter
segment holds only that chapter's members, whoever looks and whatever the definition says.
"""

from django.db import models
from django.utils import timezone

from chapters.models import Chapter
from members.models import User
from segments.definition import describe, members_matching


class SegmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SegmentQuerySet":
        """National coordinators see every segment; a chapter coordinator those of their chapters."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_national_coordinator:
            return self
        return self.filter(chapter__in=Chapter.objects.visible_to(user))


class Segment(models.Model):
    name = models.CharField(max_length=120)
    chapter = models.ForeignKey(
        Chapter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="segments",
        help_text="The chapter this segment belongs to: it only ever holds that chapter's members. "
        "Empty for a national segment (national coordinators only).",
    )
    owner = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    definition = models.JSONField(default=dict, help_text="The filters (segments/definition.py).")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def members(self, user):
        """The members in the segment now, among those `user` may see: one query when evaluated."""
        members = members_matching(self.definition, user)
        return members if self.chapter_id is None else members.filter(chapter_id=self.chapter_id)

    def describe(self) -> str:
        return describe(self.definition) + (f" (within {self.chapter})" if self.chapter_id else "")
