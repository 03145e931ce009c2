"""Calendar feeds carry whatever text is stored, even rows written before the validators existed."""

import datetime

import icalendar
import pytest

from chapters.models import Chapter

HOSTILE_NAME = "South Carolina\r\nATTENDEE:mailto:evil@example.org\nX-INJECTED:1\x1b[2J"


@pytest.fixture
def hostile_call(chapter_a) -> Chapter:
    # queryset.update skips validation: as a row stored before the validators existed.
    Chapter.objects.filter(pk=chapter_a.pk).update(
        name=HOSTILE_NAME, call_weekday=1, call_time=datetime.time(19, 30), call_timezone="America/New_York"
    )
    return chapter_a


@pytest.mark.parametrize("feed", ["calendar.ics", "next.ics"])
def test_chapter_name_with_line_breaks_cannot_add_lines_to_the_calendar(client, hostile_call, feed):
    response = client.get(f"/calls/{hostile_call.slug}/{feed}")
    assert response.status_code == 200
    lines = response.content.decode().split("\r\n")
    assert not [line for line in lines if line.startswith(("ATTENDEE", "X-INJECTED"))]
    assert all("\n" not in line and "\r" not in line and "\x1b" not in line for line in lines)
    calendar = icalendar.Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    assert "ATTENDEE" not in event
    assert str(event["SUMMARY"]).startswith("South Carolina")
