"""Check-in at the door: the host's list, marking attendance (plain POST and the in-page JSON
answer), walk-ins, closing the event; who may do it; and where attendance shows afterwards."""

import datetime
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from events.models import RSVP, Event
from tests.factories import SC_ZIP, make_event, make_member, make_user


@pytest.fixture
def host(chapter_a):
    return make_user("host@example.org", first_name="Ho", last_name="St")


@pytest.fixture
def meeting(chapter_a, host):
    """Started an hour ago, with three RSVPs going and one cancelled."""
    event = make_event(chapter_a, title="Chapter meeting", days_ahead=0)
    event.starts_at = timezone.now() - datetime.timedelta(hours=1)
    event.ends_at = event.starts_at + datetime.timedelta(hours=2)
    event.save()
    event.occurrences.update(starts_at=event.starts_at, ends_at=event.ends_at)
    event.hosts.add(host)
    occurrence = event.occurrences.get()
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        RSVP.objects.create(occurrence=occurrence, name=name, email=f"{name.split()[0].lower()}@example.net")
    RSVP.objects.create(occurrence=occurrence, name="Gone Away", email="gone@example.net", status="cancelled")
    return event


def check_in_url(event: Event) -> str:
    return f"{event.get_absolute_url()}check-in/"


def test_the_host_sees_who_is_expected_and_searches_by_name(client, host, meeting):
    client.force_login(host)
    html = client.get(check_in_url(meeting)).content.decode()
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing"):
        assert name in html
    assert "Gone Away" not in html
    assert "<strong data-attended-count>0</strong> here of 3 expected" in html
    html = client.get(check_in_url(meeting), {"q": "hop"}).content.decode()
    assert "Grace Hopper" in html
    assert "Ada Lovelace" not in html
    assert "Nobody matches" in client.get(check_in_url(meeting), {"q": "zz"}).content.decode()


def test_a_tap_marks_attended_and_a_second_tap_undoes_it(client, host, meeting):
    client.force_login(host)
    ada = RSVP.objects.get(name="Ada Lovelace")
    response = client.post(f"{check_in_url(meeting)}{ada.pk}/", {"attended": "1", "q": "ada"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?date={ada.occurrence.date:%Y-%m-%d}&q=ada")  # back to the same search
    ada.refresh_from_db()
    assert ada.attended
    assert ada.attended_at is not None
    html = client.get(response["Location"]).content.decode()
    assert "✓ Here" in html
    client.post(f"{check_in_url(meeting)}{ada.pk}/", {"attended": "0"})
    ada.refresh_from_db()
    assert not ada.attended
    assert ada.attended_at is None


def test_the_page_script_gets_json_instead_of_a_redirect(client, host, meeting):
    client.force_login(host)
    grace = RSVP.objects.get(name="Grace Hopper")
    response = client.post(f"{check_in_url(meeting)}{grace.pk}/", {"attended": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"id": grace.pk, "attended": True, "count": 1}


def test_a_walk_in_is_added_as_attended(client, host, meeting):
    client.force_login(host)
    day = f"{meeting.occurrences.get().date:%Y-%m-%d}"
    wally = {"date": day, "name": "Wally Walker", "email": "wally@example.net", "zip_code": SC_ZIP}
    response = client.post(f"{check_in_url(meeting)}walk-in/", wally)
    assert response.status_code == 302
    wally = RSVP.objects.get(email="wally@example.net")
    assert (wally.status, wally.attended, wally.walk_in, wally.zip_code) == ("going", True, True, SC_ZIP)
    assert wally.user is None  # a visitor's RSVP: it subscribes them to nothing
    # Someone whose RSVP was cancelled comes anyway: their RSVP is used, not a second one.
    client.post(f"{check_in_url(meeting)}walk-in/", {"date": day, "name": "Gone", "email": "GONE@example.net"})
    gone = RSVP.objects.get(email="gone@example.net")
    assert (gone.status, gone.attended, gone.walk_in) == ("going", True, False)
    assert RSVP.objects.filter(occurrence__event=meeting).count() == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "x@example.net"}, "This field is required."),
        ({"name": "X", "email": "not-an-email"}, "Enter a valid email address."),
        ({"name": "X", "email": "x@example.net", "zip_code": "12a"}, "five digits"),
        ({"name": "X\x07", "email": "x@example.net"}, "control"),
    ],
)
def test_a_bad_walk_in_gets_a_message_and_changes_nothing(client, host, meeting, data, message):
    client.force_login(host)
    day = f"{meeting.occurrences.get().date:%Y-%m-%d}"
    response = client.post(f"{check_in_url(meeting)}walk-in/", {"date": day, **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert RSVP.objects.filter(occurrence__event=meeting).count() == 4


def test_closing_the_event_afterwards(client, host, meeting):
    client.force_login(host)
    assert "Close the event" in client.get(check_in_url(meeting)).content.decode()
    response = client.post(f"{meeting.get_absolute_url()}close/")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Event.Status.CLOSED
    assert LogEntry.objects.filter(object_id=str(meeting.pk), change_message__startswith="Closed").exists()
    html = client.get(check_in_url(meeting)).content.decode()
    assert "This event is closed" in html
    assert "Close the event" not in html
    # Attendance can still be corrected; RSVPs are over.
    ada = RSVP.objects.get(name="Ada Lovelace")
    client.post(f"{check_in_url(meeting)}{ada.pk}/", {"attended": "1"})
    ada.refresh_from_db()
    assert ada.attended
    client.force_login(make_member("late@example.org", SC_ZIP).user)
    client.post(f"{meeting.get_absolute_url()}rsvp/")
    assert not RSVP.objects.filter(email="late@example.org").exists()


def test_a_future_or_weekly_event_cannot_be_closed(client, host, chapter_a):
    client.force_login(host)
    future = make_event(chapter_a, title="Next month", days_ahead=30)
    weekly = make_event(chapter_a, title="Weekly", recurrence=Event.Recurrence.WEEKLY, days_ahead=-14)
    for event in (future, weekly):
        event.hosts.add(host)
        client.post(f"{event.get_absolute_url()}close/")
        event.refresh_from_db()
        assert event.status == Event.Status.SCHEDULED


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("host", True), ("coordinator_a", True), ("national", True), ("coordinator_b", False), ("member", False)],
)
def test_who_may_check_people_in(client, request, meeting, role, allowed):
    client.force_login(request.getfixturevalue(role))
    ada = RSVP.objects.get(name="Ada Lovelace")
    assert client.get(check_in_url(meeting)).status_code == (200 if allowed else 403)
    assert client.post(f"{check_in_url(meeting)}{ada.pk}/").status_code == (302 if allowed else 403)
    ada.refresh_from_db()
    assert ada.attended == allowed
    day = f"{meeting.occurrences.get().date:%Y-%m-%d}"
    client.post(f"{check_in_url(meeting)}walk-in/", {"date": day, "name": "W", "email": "w@example.net"})
    assert RSVP.objects.filter(email="w@example.net").exists() == allowed


def test_a_coordinator_without_a_second_factor_is_asked_for_one(client, staff_no_mfa, meeting):
    client.force_login(staff_no_mfa)
    response = client.get(check_in_url(meeting))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


def test_visitors_are_sent_to_log_in(client, meeting):
    assert client.get(check_in_url(meeting)).status_code == 302
    ada = RSVP.objects.get(name="Ada Lovelace")
    assert client.post(f"{check_in_url(meeting)}{ada.pk}/").status_code == 302
    ada.refresh_from_db()
    assert not ada.attended


def test_an_rsvp_of_another_event_cannot_be_marked_through_this_one(client, host, meeting, chapter_a):
    other = make_event(chapter_a, title="Other")
    stranger = RSVP.objects.create(occurrence=other.occurrences.get(), name="S", email="s@example.net")
    client.force_login(host)
    assert client.post(f"{check_in_url(meeting)}{stranger.pk}/").status_code == 404
    stranger.refresh_from_db()
    assert not stranger.attended


def test_a_bad_date_is_no_date_not_an_error(client, host, meeting):
    client.force_login(host)
    assert "no date to check people in" in client.get(check_in_url(meeting), {"date": "2026-13-45"}).content.decode()
    response = client.post(f"{check_in_url(meeting)}walk-in/", {"date": "nope", "name": "W", "email": "w@example.net"})
    assert response.status_code == 403
    assert not RSVP.objects.filter(email="w@example.net").exists()


def test_the_list_reads_a_bounded_number_of_queries(client, host, meeting, django_assert_max_num_queries):
    occurrence = meeting.occurrences.get()
    RSVP.objects.bulk_create(
        [RSVP(occurrence=occurrence, name=f"Person {n}", email=f"p{n}@example.net", attended=n % 2) for n in range(80)]
    )
    client.force_login(host)
    with django_assert_max_num_queries(16):
        assert client.get(check_in_url(meeting)).status_code == 200


def test_attendance_is_in_the_members_data_download(client, host, meeting):
    person = make_member("ada@example.org", SC_ZIP).user
    occurrence = meeting.occurrences.get()
    RSVP.objects.create(occurrence=occurrence, user=person, name="Ada", email=person.email, attended=True)
    client.force_login(person)
    data = json.loads(client.get("/profile/data/").content)
    [entry] = data["events"]
    assert entry["event"] == "Chapter meeting"
    assert entry["date"] == occurrence.date.isoformat()
    assert (entry["rsvp"], entry["attended"], entry["walk_in"]) == ("going", True, False)


def test_attendance_shows_on_the_members_profile(client, host, meeting):
    person = make_member("grace@example.org", SC_ZIP).user
    occurrence = meeting.occurrences.get()
    rsvp = RSVP.objects.create(occurrence=occurrence, user=person, name="Grace", email=person.email)
    client.force_login(person)
    assert "Events you came to" not in client.get("/profile/").content.decode()
    client.force_login(host)
    client.post(f"{check_in_url(meeting)}{rsvp.pk}/", {"attended": "1"})
    client.force_login(person)
    html = client.get("/profile/").content.decode()
    assert "Events you came to" in html
    assert f"Chapter meeting</a>, {occurrence.date:%B} {occurrence.date.day}, {occurrence.date.year}" in html
