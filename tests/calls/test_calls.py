"""Weekly calls: next occurrence across daylight-saving changes, iCalendar output, attendance."""

import datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from events.calls import national_call
from events.models import RSVP, Event

UTC = datetime.UTC
CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("now_utc", "expected_utc"),
    [
        # A Monday in winter: tomorrow, 7:30 pm CST = 01:30 UTC on Wednesday.
        (datetime.datetime(2026, 1, 12, 12, 0, tzinfo=UTC), datetime.datetime(2026, 1, 14, 1, 30, tzinfo=UTC)),
        # Just after the call on Tuesday 3 March (CST); DST starts Sunday 8 March: 7:30 pm CDT = 00:30 UTC.
        (datetime.datetime(2026, 3, 4, 2, 0, tzinfo=UTC), datetime.datetime(2026, 3, 11, 0, 30, tzinfo=UTC)),
        # Wednesday 28 October (CDT); DST ends Sunday 1 November: back to 01:30 UTC.
        (datetime.datetime(2026, 10, 28, 12, 0, tzinfo=UTC), datetime.datetime(2026, 11, 4, 1, 30, tzinfo=UTC)),
        # On the Tuesday itself, one minute before the call: today's call.
        (datetime.datetime(2026, 6, 3, 0, 29, tzinfo=UTC), datetime.datetime(2026, 6, 3, 0, 30, tzinfo=UTC)),
    ],
)
def test_national_call_is_tuesday_730_pm_central_across_dst(db, now_utc, expected_utc):
    # The call has been held since before the dates asked about.
    first = datetime.datetime(2025, 1, 7, 19, 30, tzinfo=CHICAGO)
    Event.objects.filter(standing_call=True, chapter=None).update(
        starts_at=first, ends_at=first + datetime.timedelta(hours=1)
    )
    start = national_call().next_occurrence(now_utc)
    assert start == expected_utc
    local = start.astimezone(CHICAGO)
    assert (local.weekday(), local.hour, local.minute) == (1, 19, 30)


def test_subscription_feed_has_weekly_rule_and_time_zone(client, db):
    response = client.get("/calls/national/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    rule = events[0]["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["TU"]
    start = events[0].decoded("DTSTART")
    assert str(start.tzinfo) == "America/Chicago"
    assert (start.hour, start.minute) == (19, 30)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/Chicago"]


def test_one_off_download_is_the_next_occurrence_only(client, db):
    response = client.get("/calls/national/next.ics")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert "RRULE" not in event
    assert event.decoded("DTSTART") == national_call().next_occurrence()


def test_unknown_call_is_404(client, db):
    assert client.get("/calls/nowhere/calendar.ics").status_code == 404
    assert client.get("/calls/nowhere/next.ics").status_code == 404


def test_meeting_link_only_for_members_who_rsvpd(client, member):
    Event.objects.filter(standing_call=True, chapter=None).update(online_link="https://meet.example.org/national-call")
    assert "meet.example.org" not in client.get("/calls/").content.decode()
    assert "meet.example.org" not in client.get("/").content.decode()
    client.force_login(member)
    assert "meet.example.org" not in client.get("/calls/").content.decode()
    client.post("/calls/national/attend/")
    assert "meet.example.org" in client.get("/calls/").content.decode()


def test_member_says_they_will_attend_and_coordinators_see_the_count(client, member, coordinator_a):
    client.force_login(member)
    response = client.post("/calls/national/attend/")
    assert response.status_code == 302
    response = client.post("/calls/national/attend/")  # twice counts once
    date = national_call().next_occurrence().date()
    going = RSVP.objects.going().filter(occurrence__event__standing_call=True, occurrence__event__chapter=None)
    assert going.filter(occurrence__date=date, user=member).count() == 1
    assert "said they will attend" not in client.get("/calls/").content.decode()

    client.force_login(coordinator_a)
    assert "1 member said they will attend" in client.get("/calls/").content.decode()

    client.force_login(member)
    client.post("/calls/national/attend/", {"attend": "no"})
    assert not RSVP.objects.active().filter(user=member).exists()


def test_anonymous_cannot_attend(client, db):
    response = client.post("/calls/national/attend/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not RSVP.objects.exists()


def test_attend_needs_post(client, member):
    client.force_login(member)
    assert client.get("/calls/national/attend/").status_code == 405


def test_calls_page_queries_are_bounded(client, member, chapter_a, chapter_b, django_assert_max_num_queries):
    client.force_login(member)
    with django_assert_max_num_queries(10):
        assert client.get("/calls/").status_code == 200
