"""The welcome mail: once a membership begins, once ever; imported people only once they claim."""

import datetime

import icalendar
from django.core import mail

from digests.models import WelcomeMail
from digests.welcome import next_call_for, send_welcome
from events.calls import chapter_call, national_call
from members.models import Member, activate_member, claim_account
from members.views import share_ref
from tests.factories import CA_ZIP, PASSWORD, SC_ZIP, make_member


def welcomes_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("Welcome to")]


def calendar_of(message) -> icalendar.Event:
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("call.ics", "text/calendar")
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    return event


def test_a_new_member_is_welcomed_with_their_chapter_its_next_call_and_their_share_link(chapter_a):
    chapter_a.call_weekday, chapter_a.call_time, chapter_a.call_timezone = 3, datetime.time(19), "America/New_York"
    chapter_a.save()
    member = make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")

    [welcome] = welcomes_to("ann@example.net")
    assert welcome.subject == "Welcome to South Carolina Consents"
    assert "You are a member of South Carolina Consents" in welcome.body
    assert "South Carolina Consents weekly call" in welcome.body
    assert "Thursdays at 7:00 pm Eastern" in welcome.body
    assert f"/join/sc/?ref={share_ref(member)}" in welcome.body
    assert "/calls/south-carolina/next.ics" in welcome.body
    event = calendar_of(welcome)
    call = chapter_call(chapter_a)
    assert event.decoded("dtstart") == call.next_occurrence()
    assert str(event["summary"]) == "South Carolina Consents weekly call"


def test_without_a_chapter_call_the_welcome_names_the_national_call(chapter_a):
    member = make_member("ann@example.net", SC_ZIP)
    assert next_call_for(member) == national_call()
    [welcome] = welcomes_to("ann@example.net")
    assert national_call().title in welcome.body
    assert calendar_of(welcome).decoded("dtstart") == national_call().next_occurrence()


def test_a_member_where_no_chapter_is_yet_is_welcomed_to_their_state(db):
    make_member("cal@example.net", CA_ZIP)
    [welcome] = welcomes_to("cal@example.net")
    assert "There is no chapter where you live yet; you count toward California" in welcome.body


def test_no_welcome_before_the_address_is_confirmed_and_never_twice(chapter_a):
    member = make_member("ann@example.net", SC_ZIP, status=Member.Status.PENDING)
    assert welcomes_to("ann@example.net") == []
    activate_member(member=member)
    activate_member(member=member)  # a second confirmation changes nothing
    assert send_welcome(member=member) is False
    assert len(welcomes_to("ann@example.net")) == 1
    assert WelcomeMail.objects.filter(member=member).count() == 1


def test_an_imported_member_is_welcomed_only_once_they_claim_their_account(chapter_a):
    member = make_member("roster@example.net", SC_ZIP, status=Member.Status.IMPORTED)
    assert welcomes_to("roster@example.net") == []
    claim_account(user=member.user, password=PASSWORD)
    [welcome] = welcomes_to("roster@example.net")
    assert "South Carolina Consents" in welcome.body
