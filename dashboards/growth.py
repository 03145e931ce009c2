"""Growth figures for the coordinators' dashboard, computed from the membership history.

The history figures are sums over MembershipEvent (joins, moves, departures with no
personal data), so they stay true after accounts are deleted; they read the events'
daily sums (MembershipDaily, kept by triggers), so their cost grows with the days and
chapters shown, not with the number of members or events.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from chapters.models import Chapter, State
from members.models import Member, MembershipDaily
from question.models import Answer


@dataclass
class Scope:
    """Whose figures: every chapter (national) or some chapters."""

    chapters: list[Chapter] | None  # None = national

    @property
    def national(self) -> bool:
        return self.chapters is None

    @property
    def key(self) -> str:
        """Names the scope in cache keys: coordinators of the same chapters share their figures."""
        return (
            "national"
            if self.national
            else "chapters-" + "-".join(str(c.pk) for c in sorted(self.chapters, key=lambda c: c.pk))
        )

    def daily(self):
        """The daily sums of the history in scope: national figures go by state, a chapter's by chapter."""
        rows = MembershipDaily.objects.all()
        return rows.filter(state__isnull=False) if self.national else rows.filter(chapter__in=self.chapters)

    def members(self):
        members = Member.objects.counted()
        return members if self.national else members.filter(chapter__in=self.chapters)


def scope_for(user) -> Scope:
    if user.is_national_coordinator:
        return Scope(chapters=None)
    return Scope(chapters=list(Chapter.objects.visible_to(user)))


def members_over_time(scope: Scope, days: dict | None = None) -> list[tuple[datetime.date, int]]:
    """The member count at the end of each day on which it changed (`days`: the scope's daily sums, if read)."""
    total, series = 0, []
    for day, (gained, lost, _) in sorted((scope.daily().per_day() if days is None else days).items()):
        if gained or lost:
            total += gained - lost
            series.append((day, total))
    return series


def new_members_per_week(
    scope: Scope, weeks: int = 12, today: datetime.date | None = None, days: dict | None = None
) -> list[tuple[str, int]]:
    today = today or datetime.date.today()
    monday = today - datetime.timedelta(days=today.weekday())
    first = monday - datetime.timedelta(weeks=weeks - 1)
    counts = {first + datetime.timedelta(weeks=i): 0 for i in range(weeks)}
    days = scope.daily().filter(day__gte=first).per_day() if days is None else days
    for day, (_, _, joined) in days.items():
        week = day - datetime.timedelta(days=day.weekday())
        if week in counts:
            counts[week] += joined
    return [(f"Week of {week:%b %-d}", n) for week, n in counts.items()]


def time_to_double(series: list[tuple[datetime.date, int]]) -> int | None:
    """Days the count took to reach its latest value from half of it; None before there is a doubling."""
    if not series or series[-1][1] < 2:
        return None
    last_day, now = series[-1]
    half = now / 2
    reached_half = None
    for day, count in series:
        if count <= half:
            reached_half = day
    if reached_half is None:
        return None
    return (last_day - reached_half).days


def sources(scope: Scope, limit: int = 10) -> list[tuple[str, int]]:
    """Where members came from: their ?ref=, else utm_source, else "direct"."""
    rows = scope.members().values("ref", "utm_source").annotate(n=Count("id")).order_by("-n")[: limit * 3]
    merged: dict[str, int] = {}
    for row in rows:
        label = row["ref"] or (f"utm: {row['utm_source']}" if row["utm_source"] else "direct")
        merged[label] = merged.get(label, 0) + row["n"]
    return sorted(merged.items(), key=lambda item: (-item[1], item[0] == "direct", item[0]))[:limit]


def expansion_pipeline(limit: int = 15) -> list[dict]:
    """States with no active or forming chapter, ranked by members and answers from there."""
    covered = Chapter.objects.exclude(status=Chapter.Status.DORMANT).values("state")
    members = dict(
        Member.objects.counted().filter(chapter__isnull=True).exclude(state__in=covered)
        .values("state").annotate(n=Count("id")).values_list("state", "n")
    )  # fmt: skip
    answers = dict(
        Answer.objects.exclude(state__in=covered).filter(state__isnull=False)
        .values("state").annotate(n=Count("id"), yes=Count("id", filter=Q(choice=Answer.Choice.YES)))
        .values_list("state", "n")
    )  # fmt: skip
    states = {s.code: s.name for s in State.objects.exclude(code__in=covered)}
    rows = [
        {"code": code, "name": name, "members": members.get(code, 0), "answers": answers.get(code, 0)}
        for code, name in states.items()
    ]
    rows.sort(key=lambda r: (-r["members"], -r["answers"], r["name"]))
    return [r for r in rows if r["members"] or r["answers"]][:limit]


def figures(scope: Scope) -> dict:
    """Everything the dashboard shows for a scope; the history scan behind it is cached by the view."""
    days = scope.daily().per_day()  # read once for both figures
    return {
        "series": members_over_time(scope, days),
        "weekly": new_members_per_week(scope, days=days),
        "sources": sources(scope),
        "pipeline": expansion_pipeline() if scope.national else None,
    }
