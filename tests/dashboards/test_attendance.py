"""The event attendance dashboard: RSVPs, attendance rate, walk-ins, regulars and first-timers per chapter."""

import datetime

import pytest
from django.utils import timezone

from events.models import RSVP, Event
from tests.factories import make_event


def held(chapter, days_ago: int, title: str = "Meeting") -> Event:
    """An event held `days_ago` days ago, with its date."""
    return make_event(chapter, title=f"{title} {days_ago}", days_ahead=-days_ago)


def rsvp(event: Event, email: str, *, attended: bool = False, walk_in: bool = False, status: str = "going") -> RSVP:
    return RSVP.objects.create(occurrence=event.occurrences.get(), name=email, email=email, attended=attended,
                               walk_in=walk_in, status=status)  # fmt: skip


@pytest.fixture
def history(chapter_a, chapter_b):
    """Chapter A: a regular who came four times (one long ago), a first-timer, a no-show, a walk-in;
    chapter B: one RSVP, who came."""
    long_ago, recent, last_week, yesterday = (held(chapter_a, d) for d in (200, 40, 7, 1))
    for event in (long_ago, recent, last_week):
        rsvp(event, "regular@example.net", attended=True)
    rsvp(yesterday, "Regular@Example.net", attended=True)  # the same person, however they type it
    rsvp(yesterday, "new@example.net", attended=True)
    rsvp(yesterday, "noshow@example.net")
    rsvp(yesterday, "cancelled@example.net", status="cancelled")
    rsvp(last_week, "walkin@example.net", attended=True, walk_in=True)
    upcoming = make_event(chapter_a, title="Next week", days_ahead=7)
    rsvp(upcoming, "future@example.net")  # not held yet: not counted
    rsvp(held(chapter_b, 3), "wy@example.net", attended=True)


def table(html: str) -> dict[str, list[str]]:
    import re

    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', html, re.S)
    return {name: re.findall(r"<td>([^<]*)</td>", cells) for name, cells in rows}


def test_a_coordinator_sees_their_chapters_figures(client, coordinator_a, history):
    client.force_login(coordinator_a)
    rows = table(client.get("/dashboard/events/").content.decode())
    # In the last 90 days: 5 RSVPs going (regular x3, new, no-show), 4 came, 1 walk-in; rate 4/5.
    assert rows == {"South Carolina Consents": ["5", "4", "1", "80%", "1", "2"]}  # first-timers: new, walk-in


def test_a_national_coordinator_sees_every_chapter_and_national_events(client, national, history):
    make_event(None, title="National rally", days_ahead=-2)
    rsvp(Event.objects.get(title="National rally"), "rally@example.net", attended=True)
    client.force_login(national)
    rows = table(client.get("/dashboard/events/").content.decode())
    assert rows["Wyoming Consents"] == ["1", "1", "0", "100%", "0", "1"]
    assert rows["National events"] == ["1", "1", "0", "100%", "0", "1"]
    assert rows["South Carolina Consents"][0] == "5"


def test_no_events_yet_shows_a_dash_not_an_error(client, coordinator_b, chapter_b):
    client.force_login(coordinator_b)
    assert table(client.get("/dashboard/events/").content.decode()) == {
        "Wyoming Consents": ["0", "0", "0", "—", "0", "0"]
    }


def test_the_figures_download_as_csv(client, coordinator_a, history):
    client.force_login(coordinator_a)
    response = client.get("/dashboard/events/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "chapter,RSVPs,came,walk-ins,attendance rate %,regulars,first-timers"
    assert lines[1] == "South Carolina Consents,5,4,1,80,1,2"


def test_the_dashboard_reads_a_bounded_number_of_queries(client, national, history, chapter_a,
                                                         django_assert_max_num_queries):  # fmt: skip
    for n in range(20):
        event = held(chapter_a, 2 + n, title="More")
        for k in range(5):
            rsvp(event, f"p{k}@example.net", attended=bool(k % 2))
    client.force_login(national)
    with django_assert_max_num_queries(12):
        assert client.get("/dashboard/events/").status_code == 200


def test_only_coordinators_see_it(client, member):
    assert client.get("/dashboard/events/").status_code == 302
    client.force_login(member)
    assert client.get("/dashboard/events/").status_code == 403


def test_the_window_is_ninety_days(coordinator_a, chapter_a):
    from dashboards import attendance

    rsvp(held(chapter_a, 100), "old@example.net", attended=True)
    [row] = attendance.figures(coordinator_a, now=timezone.now())
    assert (row.rsvps, row.first_timers) == (0, 0)
    [row] = attendance.figures(coordinator_a, now=timezone.now() - datetime.timedelta(days=20))
    assert (row.rsvps, row.came, row.first_timers) == (1, 1, 1)
