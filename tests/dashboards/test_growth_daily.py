"""The growth figures read the daily sums of the history; they must equal the figures of the raw events."""

import datetime
import zoneinfo

import pytest

from chapters.models import Chapter, County, State, ZipCode
from dashboards import growth
from members.models import (
    MembershipDaily,
    MembershipEvent,
    delete_account,
    leave_coalition,
    update_member,
)
from tests.factories import events_in, make_member, per_day_from_events, series_from_events

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
TODAY = datetime.date(2026, 11, 20)


# The weekly figure as it was computed before the daily sums (tests/factories.py has the others).
def weekly_from_events(scope: growth.Scope, weeks: int, today: datetime.date) -> list[tuple[str, int]]:
    monday = today - datetime.timedelta(days=today.weekday())
    first = monday - datetime.timedelta(weeks=weeks - 1)
    gains, _ = events_in(scope)
    joins = per_day_from_events(gains.filter(kind="joined", occurred_at__date__gte=first))
    counts = {first + datetime.timedelta(weeks=i): 0 for i in range(weeks)}
    for day, n in joins.items():
        week = day - datetime.timedelta(days=day.weekday())
        if week in counts:  # joins after `today` (the old code raised KeyError on them)
            counts[week] += n
    return [(f"Week of {week:%b %-d}", n) for week, n in counts.items()]


def local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CHICAGO)


def event(kind: str, when: datetime.datetime, frm: Chapter | State | None = None, to: Chapter | State | None = None):
    def side(place):
        if isinstance(place, Chapter):
            return place, place.state_id
        return None, getattr(place, "pk", None)

    (from_chapter, from_state), (to_chapter, to_state) = side(frm), side(to)
    return MembershipEvent(
        kind=kind, occurred_at=when, from_chapter=from_chapter, from_state_id=from_state,
        to_chapter=to_chapter, to_state_id=to_state,
    )  # fmt: skip


@pytest.fixture
def texas(db) -> Chapter:
    chapter = Chapter.objects.create(
        name="Texas Consents", slug="texas", state=State.objects.get(code="TX"), status=Chapter.Status.FORMING
    )
    chapter.set_territory(mode=Chapter.TerritoryMode.WHOLE_STATE)
    return chapter


@pytest.fixture
def varied_history(chapter_a, chapter_b, texas):
    """Two months of joins, moves and departures, some at either side of local midnight."""
    georgia = State.objects.get(code="GA")
    events = []
    start = datetime.date(2026, 9, 20)
    for i in range(60):
        day = start + datetime.timedelta(days=i)
        events += [event("joined", local(day, 9), to=chapter_a) for _ in range(i % 4)]
        # 23:30 in Chicago is the next day in UTC; 00:15 is the previous day's evening in Los Angeles.
        events += [event("joined", local(day, 23, 30), to=chapter_b)] * (i % 3 == 0)
        events += [event("joined", local(day, 0, 15), to=texas)] * (i % 2)
        events += [event("joined", local(day, 12), to=georgia)] * (i % 5 == 0)  # no chapter in Georgia
        if i % 7 == 3:
            events.append(event("moved", local(day, 18), frm=chapter_a, to=chapter_b))
            events.append(event("moved", local(day, 18), frm=georgia, to=texas))
        if i % 9 == 4:
            events.append(event("left", local(day, 23, 59), frm=chapter_b))
            events.append(event("left", local(day, 1), frm=chapter_a))
    MembershipEvent.objects.bulk_create(events)
    # And the real paths: signup and verification, a move by profile edit, leaving, deletion.
    mover = make_member("mover@example.org", "29401")  # Charleston: chapter A
    update_member(member=mover, actor=None, source="profile", zip_code=ZipCode.objects.get(code="82001"),
                  county=County.objects.for_zip("82001").first())  # fmt: skip  # Cheyenne: chapter B
    leave_coalition(member=make_member("leaver@example.org", "29401"), actor=None, source="profile")
    delete_account(user=make_member("gone@example.org", "82001").user)
    make_member("stays@example.org", "73301")  # Austin: Texas


def scopes(chapter_a, chapter_b, texas) -> list[growth.Scope]:
    return [
        growth.Scope(chapters=None),
        growth.Scope(chapters=[chapter_a]),
        growth.Scope(chapters=[chapter_b]),
        growth.Scope(chapters=[texas]),
        growth.Scope(chapters=[chapter_a, chapter_b, texas]),
    ]


def assert_figures_match_the_events(all_scopes: list[growth.Scope]) -> None:
    for scope in all_scopes:
        assert growth.members_over_time(scope) == series_from_events(scope), scope.key
        for today in (TODAY, datetime.date(2026, 10, 14), datetime.date.today()):
            assert growth.new_members_per_week(scope, weeks=12, today=today) == weekly_from_events(scope, 12, today)


def daily_rows() -> set[tuple]:
    rows = MembershipDaily.objects.exclude(gained=0, lost=0, joined=0)
    return set(rows.values_list("day", "chapter_id", "state_id", "gained", "lost", "joined"))


def test_figures_from_the_daily_sums_equal_the_figures_from_the_events(varied_history, chapter_a, chapter_b, texas):
    all_scopes = scopes(chapter_a, chapter_b, texas)
    assert len(growth.members_over_time(all_scopes[0])) > 50
    assert_figures_match_the_events(all_scopes)
    kept = daily_rows()
    MembershipDaily.rebuild()
    assert daily_rows() == kept


def test_edited_and_deleted_events_and_a_deleted_chapter_keep_the_sums_true(
    varied_history, chapter_a, chapter_b, texas
):
    # An admin moves an event to another day, deletes another; a chapter is deleted (its events lose it).
    first = MembershipEvent.objects.filter(to_chapter=chapter_a).earliest("occurred_at", "pk")
    first.occurred_at = local(datetime.date(2026, 11, 2), 23, 45)
    first.save()
    MembershipEvent.objects.filter(kind="left", from_chapter=chapter_b).first().delete()
    gone = Chapter(pk=texas.pk)
    texas.delete()
    all_scopes = scopes(chapter_a, chapter_b, gone)
    assert MembershipEvent.objects.filter(to_state="TX", to_chapter__isnull=True).exists()
    assert_figures_match_the_events(all_scopes)
    kept = daily_rows()
    MembershipDaily.rebuild()
    assert daily_rows() == kept


def test_a_bulk_insert_of_events_is_summed_in_one_statement(chapter_a, django_assert_num_queries):
    events = [event("joined", local(datetime.date(2026, 11, 3), h), to=chapter_a) for h in range(24)]
    with django_assert_num_queries(1):  # the trigger's upsert runs inside the INSERT
        MembershipEvent.objects.bulk_create(events)
    rows = MembershipDaily.objects.filter(chapter=chapter_a)
    assert list(rows.values_list("day", "gained", "joined")) == [(datetime.date(2026, 11, 3), 24, 24)]


def test_an_event_at_exactly_the_until_moment_counts_for_gains_and_losses_alike(chapter_a, chapter_b):
    midnight = local(datetime.date(2026, 11, 3), 0)  # the first moment of the day, in the site's time zone
    MembershipEvent.objects.bulk_create(
        [event("joined", local(datetime.date(2026, 11, 2), 0), to=chapter_a) for _ in range(2)]
        + [event("joined", midnight, to=chapter_a), event("left", midnight, frm=chapter_a),
           event("moved", midnight, frm=chapter_a, to=chapter_b)]
    )  # fmt: skip

    # Up to the moment: all three of its events count, gains and losses alike; a moment before, none.
    net = MembershipEvent.objects.net_for
    assert (net(chapter=chapter_a, until=midnight), net(chapter=chapter_b, until=midnight)) == (1, 1)
    assert (net(state=chapter_a.state, until=midnight), net(state=chapter_b.state, until=midnight)) == (1, 1)
    before = midnight - datetime.timedelta(microseconds=1)
    assert (net(chapter=chapter_a, until=before), net(chapter=chapter_b, until=before)) == (2, 0)
    # The dashboard puts them all on the day that moment begins, and says the same counts.
    expected = {
        chapter_a: [(datetime.date(2026, 11, 2), 2), (datetime.date(2026, 11, 3), 1)],
        chapter_b: [(datetime.date(2026, 11, 3), 1)],
    }
    for _ in ("kept by the triggers", "rebuilt"):
        for chapter, series in expected.items():
            assert growth.members_over_time(growth.Scope(chapters=[chapter])) == series
        national = growth.members_over_time(growth.Scope(chapters=None))
        assert national == [(datetime.date(2026, 11, 2), 2), (datetime.date(2026, 11, 3), 2)]
        MembershipDaily.rebuild()
