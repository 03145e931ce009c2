from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Count, Q


class AnswerQuerySet(models.QuerySet):
    def results(self) -> dict:
        """Counts per choice, nationally and per state: {"national": {...}, "states": {"SC": {...}}}.

        Cached, and dropped from the cache when an answer is recorded, so the pages that show
        results cost one cache read however many answers there are.
        """
        cached = cache.get(RESULTS_CACHE_KEY)
        if cached is not None:
            return cached
        national = {choice: 0 for choice in Answer.Choice.values}
        states: dict[str, dict[str, int]] = {}
        for row in self.values("state_id", "choice").annotate(n=Count("id")).order_by():
            national[row["choice"]] += row["n"]
            if row["state_id"]:
                states.setdefault(row["state_id"], {c: 0 for c in Answer.Choice.values})[row["choice"]] += row["n"]
        results = {"national": national, "states": states}
        cache.set(RESULTS_CACHE_KEY, results, 300)
        return results


RESULTS_CACHE_KEY = "question-results-v1"


class Answer(models.Model):
    """One person's answer to the coalition's question: a member by account, a visitor by a signed cookie."""

    class Choice(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNSURE = "unsure", "Not sure"

    choice = models.CharField(max_length=10, choices=Choice.choices)
    state = models.ForeignKey(
        "chapters.State", on_delete=models.PROTECT, null=True, blank=True, related_name="answers",
        help_text="Where the person answered from; empty when they did not say.",
    )  # fmt: skip
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="answer"
    )
    visitor = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(user__isnull=False, visitor__isnull=False), name="answer_member_or_visitor_not_both"
            ),
        ]
        indexes = [models.Index(fields=["state", "choice"], name="answer_results_idx")]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} ({self.state_id or 'no state'})"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(RESULTS_CACHE_KEY)


class CallAttendance(models.Model):
    """A member saying they will attend one occurrence of a weekly call."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_attendances")
    call = models.CharField(max_length=100, help_text='"national" or the chapter\'s slug.')
    date = models.DateField(help_text="The date of the occurrence, in the call's own time zone.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "call", "date"], name="call_attendance_once")]
        indexes = [models.Index(fields=["call", "date"], name="call_attendance_count_idx")]

    def __str__(self) -> str:
        return f"{self.user} → {self.call} on {self.date}"


class ReachSnapshotQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReachSnapshotQuerySet":
        from chapters.models import Chapter

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
    post_url = models.URLField("post address", max_length=300, blank=True)
    note = models.CharField(
        max_length=200, blank=True, help_text="What the post was about, or where the figure came from."
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


def answer_bars(counts: dict[str, int]) -> dict:
    """Counts of answers by choice as percentage bars, every choice present, in the form's order."""
    total = sum(counts.values())
    return {
        "total": total,
        "bars": [
            {
                "choice": choice,
                "label": label,
                "count": counts.get(choice, 0),
                "percent": round(100 * counts.get(choice, 0) / total) if total else 0,
            }
            for choice, label in Answer.Choice.choices
        ],
    }
