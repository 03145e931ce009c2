"""Growth figures from the membership history, and who may see the dashboard."""

import datetime

import pytest

from dashboards import growth
from members.models import MembershipEvent
from question.models import Answer
from tests.factories import at, join, make_member

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture
def doubled(chapter_a, chapter_b):
    """Chapter A: 30 members on 1 November, 60 by 11 November. Chapter B: 5 members, one left."""
    join(chapter_a, datetime.date(2026, 11, 1), 30)
    for i in range(30):
        join(chapter_a, datetime.date(2026, 11, 2) + datetime.timedelta(days=i // 3))
    join(chapter_b, datetime.date(2026, 11, 5), 5)
    MembershipEvent.objects.create(
        kind="left", occurred_at=at(datetime.date(2026, 11, 6)), from_chapter=chapter_b, from_state_id="WY"
    )


def test_a_chapter_that_went_from_30_to_60_in_10_days_shows_that_doubling(doubled, chapter_a):
    series = growth.members_over_time(growth.Scope(chapters=[chapter_a]))
    assert series[0] == (datetime.date(2026, 11, 1), 30)
    assert series[-1] == (datetime.date(2026, 11, 11), 60)
    assert growth.time_to_double(series) == 10


def test_national_figures_count_departures(doubled):
    series = growth.members_over_time(growth.Scope(chapters=None))
    assert series[-1][1] == 64  # 60 + 5 - 1


def test_new_members_per_week(doubled, chapter_a):
    weeks = dict(growth.new_members_per_week(growth.Scope(chapters=[chapter_a]), weeks=3, today=TODAY))
    # Weeks start on Monday: 26 Oct (1 Nov is a Sunday), 2 Nov, 9 Nov, 16 Nov.
    assert weeks == {"Week of Nov 2": 21, "Week of Nov 9": 9, "Week of Nov 16": 0}


def test_sources_and_expansion_pipeline(chapter_a):
    make_member("a@example.org", "29401", ref="viral-post")  # Charleston, SC
    make_member("b@example.org", "29401", ref="viral-post")
    make_member("c@example.org", "29401", utm_source="newsletter")
    make_member("d@example.org", "29401")
    make_member("tx1@example.org", "73301")  # Austin, TX: no chapter
    make_member("tx2@example.org", "75201")
    make_member("ga@example.org", "30301")
    Answer.objects.create(choice="yes", state_id="CO", visitor="v1")
    assert growth.sources(growth.Scope(chapters=[chapter_a])) == [
        ("viral-post", 2), ("utm: newsletter", 1), ("direct", 1),
    ]  # fmt: skip
    pipeline = growth.expansion_pipeline()
    assert [(r["code"], r["members"], r["answers"]) for r in pipeline] == [("TX", 2, 0), ("GA", 1, 0), ("CO", 0, 1)]


def test_national_dashboard(client, national, doubled, django_assert_max_num_queries):
    client.force_login(national)
    with django_assert_max_num_queries(24):  # cold: the figures and the onboarding table are computed and cached
        response = client.get("/dashboard/")
    # Warm: session, user, coordinator and second-factor checks, one cache read, the footer's national call (an event).
    with django_assert_max_num_queries(6):
        assert client.get("/dashboard/").status_code == 200
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>64</strong> members" in html
    assert "Where the next chapter should be" in html
    assert "Wyoming Consents" in html


def test_chapter_coordinator_sees_only_their_chapters_growth(client, national, coordinator_a, coordinator_b, doubled):
    client.force_login(national)
    assert "Wyoming Consents" in client.get("/dashboard/").content.decode()  # the national pages are cached now
    client.force_login(coordinator_a)
    html = client.get("/dashboard/").content.decode()
    assert "<strong>60</strong> members" in html
    assert "Doubled in <strong>10 days</strong>" in html
    assert "Wyoming" not in html
    assert "Where the next chapter should be" not in html
    csv = client.get("/dashboard/?csv=members").content.decode().splitlines()
    assert csv[0] == "date,Members"
    assert csv[-1] == "2026-11-11,60"


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 302), ("member", 403)])
def test_members_and_visitors_cannot_open_growth(client, member, who, expected):
    if who == "member":
        client.force_login(member)
    assert client.get("/dashboard/").status_code == expected
