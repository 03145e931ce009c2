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
