from django.conf import settings
from django.db import models
from django.db.models import Q

from chapters.models import Chapter
from lib.validators import no_control_characters


class ReachSnapshotQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReachSnapshotQuerySet":
        return self.filter(social_page__chapter__in=Chapter.objects.visible_to(user))

    def follower_totals(self) -> tuple[list, dict[str, list]]:
        """Followers over time: the national total and each chapter's, as (date, total) points.

        At each date a page counts with its latest figure on or before that date, so a page
        read monthly and another read weekly add up correctly.
        """
        rows = (
            self.filter(followers__isnull=False)
            .order_by("date", "pk")
            .values_list("date", "social_page_id", "social_page__chapter__name", "followers")
        )
        latest: dict[int, tuple[str, int]] = {}
        national: dict = {}
        by_chapter: dict[str, dict] = {}
        for date, page_id, chapter, followers in rows:
            latest[page_id] = (chapter, followers)
            national[date] = sum(f for _, f in latest.values())
            by_chapter.setdefault(chapter, {})[date] = sum(f for c, f in latest.values() if c == chapter)
        return sorted(national.items()), {c: sorted(points.items()) for c, points in sorted(by_chapter.items())}

    def notable_posts(self, limit: int = 10) -> "ReachSnapshotQuerySet":
        return (
            self.filter(post_reach__isnull=False).select_related("social_page__chapter").order_by("-post_reach")[:limit]
        )


class ReachSnapshot(models.Model):
    """A dated figure for one of a chapter's social pages: its followers, or a notable post's reach."""

    social_page = models.ForeignKey("chapters.SocialPage", on_delete=models.CASCADE, related_name="reach_snapshots")
    date = models.DateField(help_text="The day the figures were read.")
    followers = models.PositiveIntegerField(
        null=True, blank=True, help_text="Followers of the page on that day, as the platform shows them."
    )
    post_reach = models.PositiveIntegerField(
        null=True, blank=True, help_text='Views or reach of a notable post, e.g. 30000 for "30,000 views".'
    )
    post_url = models.URLField("post address", max_length=300, blank=True, validators=[no_control_characters])
    note = models.CharField(
        max_length=200,
        blank=True,
        validators=[no_control_characters],
        help_text="What the post was about, or where the figure came from.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReachSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(followers__isnull=False) | Q(post_reach__isnull=False), name="reach_has_a_figure"
            ),
        ]
        indexes = [models.Index(fields=["social_page", "date"], name="reach_page_date_idx")]

    def __str__(self) -> str:
        return f"{self.social_page} on {self.date}"
