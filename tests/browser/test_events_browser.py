"""Events in Chromium: a visitor RSVPs on a phone and joins; a member is waitlisted then
promoted; a coordinator approves a proposed event."""

import re

from allauth.mfa.utils import decrypt
from django.test import Client

from events import rsvps
from events.models import RSVP, Event
from members.models import Member
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, SC_ZIP, make_event, make_member

PHONE_360 = {"width": 360, "height": 740}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in_as(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_visitor_rsvps_on_a_phone_and_joins(browser, live_server, chapter_a, mailoutbox):
    event = make_event(chapter_a, capacity=20)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE_360, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(event.get_absolute_url())
    assert fits_the_screen(page)
    page.get_by_label("First name").fill("Vera")
    page.get_by_label("Last name").fill("Visitor")
    page.get_by_label("Email", exact=True).fill("vera@example.net")
    page.get_by_label("ZIP code", exact=True).fill(SC_ZIP)
    page.get_by_label("Also join the coalition").check()
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    screenshot(page, "event-visitor-rsvp-phone")
    page.get_by_role("button", name="RSVP").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert fits_the_screen(page)

    member = Member.objects.get(user__email="vera@example.net")
    assert member.chapter == chapter_a
    confirm = next(m for m in mailoutbox if "Confirm your RSVP" in m.subject)
    path = re.search(r"https?://[^/\s]+(/events/rsvp/confirm/\S+/)", confirm.body).group(1)
    page.goto(path)
    page.get_by_role("button", name="Confirm my RSVP").click()
    page.get_by_role("heading", name="You're going").wait_for()
    assert fits_the_screen(page)
    assert RSVP.objects.get(email="vera@example.net").status == RSVP.Status.GOING
    screenshot(page, "event-visitor-confirmed-phone")
    context.close()


def test_member_is_waitlisted_then_promoted(browser, live_server, chapter_a, mailoutbox):
    event = make_event(chapter_a, capacity=1)
    holder = make_member("holder@example.org", SC_ZIP).user
    rsvps.rsvp_member(occurrence=event.occurrences.get(), user=holder)
    waiting = make_member("waiting@example.org", SC_ZIP).user
    context = browser.new_context(base_url=live_server.url, viewport=PHONE_360)
    log_in_as(context, waiting, live_server)
    page = context.new_page()
    page.goto(event.get_absolute_url())
    page.get_by_role("button", name="I'll be there").click()
    page.get_by_text("you are on the waitlist").first.wait_for()
    assert "You are on the waitlist." in page.text_content("#rsvp")
    screenshot(page, "event-member-waitlisted")

    holder_rsvp = RSVP.objects.get(user=holder)
    rsvps.cancel_rsvp(rsvp=holder_rsvp)  # as their cancel link does
    page.reload()
    assert "You are going." in page.text_content("#rsvp")
    assert any(m.to == ["waiting@example.org"] and "A place freed up" in m.subject for m in mailoutbox)
    context.close()


def test_coordinator_approves_a_proposed_event(page, live_server, chapter_a, coordinator_a, mailoutbox):
    proposer = make_member("proposer@example.org", SC_ZIP).user
    proposal = make_event(chapter_a, title="Picnic for new members", status=Event.Status.PROPOSED,
                          proposed_by=proposer)  # fmt: skip
    log_in(page, coordinator_a.email, PASSWORD)
    enter_totp(page, decrypt(coordinator_a.authenticator_set.get().data["secret"]))
    page.wait_for_url("**/admin/")
    page.goto("/admin/events/event/?status__exact=proposed")
    page.get_by_role("checkbox", name=re.compile("Select this object")).first.check()
    page.locator("select[name=action]").select_option("approve")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("Approved 1 proposal.").wait_for()
    screenshot(page, "event-proposal-approved")
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.SCHEDULED
    assert [m.to for m in mailoutbox if "Approved" in m.subject] == [["proposer@example.org"]]
    page.goto(proposal.get_absolute_url())
    assert page.get_by_role("heading", name="Picnic for new members").is_visible()
