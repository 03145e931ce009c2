"""RSVPs: members with one tap, visitors by mail, capacity and the waitlist, signed links."""

import re

import icalendar
import pytest

from events.models import RSVP, Event
from members.models import Member, User
from tests.factories import PASSWORD, SC_ZIP, make_event, make_member

VISITOR = {"first_name": "Vi", "last_name": "Sitor", "email": "vi@example.net", "zip_code": SC_ZIP, "phone": ""}


def link_in(message, kind: str) -> str:
    return re.search(rf"https?://[^/\s]+(/events/rsvp/{kind}/[^\s]+/)", message.body).group(1)


@pytest.fixture
def event(chapter_a) -> Event:
    return make_event(chapter_a, capacity=1)


def test_member_rsvps_with_one_tap_and_gets_the_ics(client, member, event, mailoutbox):
    client.force_login(member)
    response = client.post(f"/events/{event.pk}/rsvp/")
    assert response.status_code == 302
    rsvp = RSVP.objects.get(user=member)
    assert rsvp.status == RSVP.Status.GOING
    [mail] = mailoutbox
    assert mail.to == [member.email]
    [(name, content, mimetype)] = mail.attachments
    assert (name, mimetype) == ("event.ics", "text/calendar")
    entry = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
    assert entry.decoded("DTSTART") == rsvp.occurrence.starts_at
    client.post(f"/events/{event.pk}/rsvp/")  # twice: still one RSVP, no second mail
    assert RSVP.objects.count() == 1
    assert len(mailoutbox) == 1


def test_member_is_waitlisted_when_full_and_promoted_when_a_place_frees(client, event, mailoutbox):
    first = make_member("first@example.org", SC_ZIP).user
    second = make_member("second@example.org", SC_ZIP).user
    third = make_member("third@example.org", SC_ZIP).user
    for user in (first, second, third):
        client.force_login(user)
        client.post(f"/events/{event.pk}/rsvp/")
    statuses = dict(RSVP.objects.values_list("user__email", "status"))
    assert statuses == {"first@example.org": "going", "second@example.org": "waitlisted",
                        "third@example.org": "waitlisted"}  # fmt: skip
    client.force_login(second)
    assert "You are on the waitlist" in client.get(event.get_absolute_url()).content.decode()

    mailoutbox.clear()
    client.force_login(first)
    client.post(f"/events/{event.pk}/rsvp/", {"attend": "no"})
    statuses = dict(RSVP.objects.values_list("user__email", "status"))
    assert statuses["first@example.org"] == "cancelled"
    assert statuses["second@example.org"] == "going"  # first in line
    assert statuses["third@example.org"] == "waitlisted"
    [mail] = mailoutbox
    assert mail.to == ["second@example.org"]
    assert "A place freed up" in mail.subject


def test_visitor_rsvp_holds_no_place_until_confirmed_by_mail(client, event, mailoutbox):
    response = client.post(f"/events/{event.pk}/rsvp/", VISITOR)
    assert response.status_code == 302
    rsvp = RSVP.objects.get(email="vi@example.net")
    assert rsvp.status == RSVP.Status.PENDING
    assert rsvp.user is None
    assert not User.objects.filter(email="vi@example.net").exists()  # an RSVP alone signs up nothing
    confirm = link_in(mailoutbox[0], "confirm")
    assert client.get(confirm).status_code == 200  # a scanner's GET confirms nothing
    assert RSVP.objects.get().status == RSVP.Status.PENDING
    page = client.post(confirm)
    assert "<h1>You're going</h1>" in page.content.decode()
    assert RSVP.objects.get().status == RSVP.Status.GOING
    assert mailoutbox[-1].attachments
    assert client.post(confirm).status_code == 400  # used


def test_visitor_can_join_in_the_same_step(client, event, mailoutbox):
    data = {**VISITOR, "join": "on", "password1": PASSWORD, "email_updates": "on"}
    response = client.post(f"/events/{event.pk}/rsvp/", data)
    assert response.status_code == 302
    member = Member.objects.get(user__email="vi@example.net")
    assert member.chapter == event.chapter
    assert member.status == Member.Status.PENDING  # until they verify, as every join
    assert member.email_updates is True
    assert RSVP.objects.get(email="vi@example.net").status == RSVP.Status.PENDING
    assert len(mailoutbox) == 2  # the RSVP's confirmation and the account's verification


def test_visitor_join_with_a_bad_password_changes_nothing(client, event, mailoutbox):
    data = {**VISITOR, "join": "on", "password1": "short"}
    response = client.post(f"/events/{event.pk}/rsvp/", data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not RSVP.objects.exists()
    assert not User.objects.filter(email="vi@example.net").exists()
    assert not mailoutbox


@pytest.mark.parametrize(
    ("field", "value"), [("zip_code", "1234"), ("zip_code", "00000"), ("email", "not-an-address"), ("first_name", "")]
)
def test_visitor_bad_input_gets_a_message_and_changes_nothing(client, event, field, value):
    response = client.post(f"/events/{event.pk}/rsvp/", {**VISITOR, field: value})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not RSVP.objects.exists()


def test_cancel_link_frees_the_place_for_the_waitlist(client, event, mailoutbox):
    client.post(f"/events/{event.pk}/rsvp/", VISITOR)
    client.post(link_in(mailoutbox[0], "confirm"))
    waiting = make_member("waiting@example.org", SC_ZIP).user
    client.force_login(waiting)
    client.post(f"/events/{event.pk}/rsvp/")
    client.logout()
    cancel = link_in(mailoutbox[1], "cancel")
    assert client.get(cancel).status_code == 200
    assert RSVP.objects.get(email="vi@example.net").status == RSVP.Status.GOING
    client.post(cancel)
    assert RSVP.objects.get(email="vi@example.net").status == RSVP.Status.CANCELLED
    assert RSVP.objects.get(user=waiting).status == RSVP.Status.GOING
    assert client.post(cancel).status_code == 200  # again: already cancelled, nothing more


@pytest.mark.parametrize("token", ["garbage", "x" * 300, "eyJhIjoxfQ:1a2b3c:abc"])
def test_bad_links_are_refused_with_a_message(client, db, token):
    for kind in ("confirm", "cancel"):
        response = client.post(f"/events/rsvp/{kind}/{token}/")
        assert response.status_code == 400
        assert "This link" in response.content.decode()


def test_place_shown_only_to_people_with_a_place(client, member, chapter_a):
    event = make_event(chapter_a, online=True, online_link="https://meet.example.org/secret-room", address="")
    assert "secret-room" not in client.get(event.get_absolute_url()).content.decode()
    client.force_login(member)
    assert "secret-room" not in client.get(event.get_absolute_url()).content.decode()
    ics = client.get(f"/events/{event.pk}/event.ics").content.decode()
    assert "secret-room" not in ics
    client.post(f"/events/{event.pk}/rsvp/")
    assert "secret-room" in client.get(event.get_absolute_url()).content.decode()
    assert "secret-room" in client.get(f"/events/{event.pk}/event.ics").content.decode()


def test_members_only_event_is_not_shown_to_visitors(client, member, chapter_a):
    event = make_event(chapter_a, visibility=Event.Visibility.MEMBERS, address="12 Hidden Lane")
    assert client.get(event.get_absolute_url()).status_code == 404
    assert client.post(f"/events/{event.pk}/rsvp/", VISITOR).status_code == 404
    client.force_login(member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Hidden Lane" not in page
    client.post(f"/events/{event.pk}/rsvp/")
    assert "Hidden Lane" in client.get(event.get_absolute_url()).content.decode()


def test_proposed_and_declined_events_have_no_public_page(client, chapter_a):
    for status in (Event.Status.PROPOSED, Event.Status.DECLINED):
        event = make_event(chapter_a, status=status, decline_reason="No" if status == "declined" else "")
        assert client.get(event.get_absolute_url()).status_code == 404


def test_event_page_has_open_graph_tags_and_bounded_queries(client, member, event, django_assert_max_num_queries):
    client.force_login(member)
    with django_assert_max_num_queries(16):
        page = client.get(event.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Tabling at the farmers market">' in page
    assert '<meta property="og:type" content="event">' in page


def test_a_cancelled_date_takes_no_rsvps(client, member, event):
    event.occurrences.update(cancelled=True)
    client.force_login(member)
    client.post(f"/events/{event.pk}/rsvp/")
    assert not RSVP.objects.exists()


def test_unknown_date_is_a_clear_answer_not_an_error(client, member, event):
    client.force_login(member)
    assert client.get(f"{event.get_absolute_url()}?date=not-a-date").status_code == 200
    assert client.get(f"/events/{event.pk}/event.ics?date=1999-01-01").status_code == 404
    response = client.post(f"/events/{event.pk}/rsvp/", {"date": "2-2-2"})
    assert response.status_code == 302
    assert not RSVP.objects.exists()


def test_visitor_rsvps_are_capped_per_connection(client, event, mailoutbox, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "rsvp_visitor": "2/h/ip"}
    for n in range(2):
        assert client.post(f"/events/{event.pk}/rsvp/", {**VISITOR, "email": f"v{n}@example.net"}).status_code == 302
    response = client.post(f"/events/{event.pk}/rsvp/", {**VISITOR, "email": "v3@example.net"})
    assert response.status_code == 429
    assert not RSVP.objects.filter(email="v3@example.net").exists()
    assert len(mailoutbox) == 2
