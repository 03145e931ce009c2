"""A host checks people in on a phone (360 px): search, tap, a walk-in, closing; with and without
JavaScript. And /events/ near a ZIP with its map, at the same width."""

import datetime

from django.conf import settings
from django.test import Client
from django.utils import timezone

from events.models import RSVP, Event
from tests.browser.conftest import screenshot
from tests.factories import make_event, make_user

PHONE = {"width": 360, "height": 740}


def log_in(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def started_meeting(chapter, host) -> Event:
    event = make_event(chapter, title="Chapter meeting", days_ahead=0)
    event.starts_at = timezone.now() - datetime.timedelta(minutes=30)
    event.ends_at = event.starts_at + datetime.timedelta(hours=2)
    event.save()
    event.occurrences.update(starts_at=event.starts_at, ends_at=event.ends_at)
    event.hosts.add(host)
    occurrence = event.occurrences.get()
    for name in ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson"):
        RSVP.objects.create(occurrence=occurrence, name=name, email=f"{name.split()[0].lower()}@example.net")
    return event


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_host_checks_people_in_on_a_phone(browser, live_server, chapter_a):
    host = make_user("host@example.org", first_name="Ho", last_name="St")
    event = started_meeting(chapter_a, host)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(context, host, live_server)
    page = context.new_page()
    page.goto(f"{event.get_absolute_url()}check-in/")
    assert fits_the_width(page)
    assert page.locator(".checkin-row").count() == 4

    # Search by name, then tap: the row turns to "Here" in place, with no page load.
    page.get_by_label("Search by name").fill("grace")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**q=grace**")
    assert page.locator(".checkin-row").count() == 1
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Grace Hopper").tap()
    page.locator("#rsvp-{} .state".format(RSVP.objects.get(name="Grace Hopper").pk)).filter(has_text="Here").wait_for()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator("[data-attended-count]").text_content() == "1"
    assert RSVP.objects.get(name="Grace Hopper").attended

    # A walk-in: name, email, ZIP.
    page.get_by_label("Name:", exact=True).fill("Wally Walker")
    page.get_by_label("Email:", exact=True).fill("wally@example.net")
    page.get_by_label("ZIP code (optional):", exact=True).fill("29201")
    page.get_by_role("button", name="Check in", exact=True).tap()
    page.get_by_text("Wally Walker is checked in.").wait_for()
    wally = RSVP.objects.get(email="wally@example.net")
    assert (wally.attended, wally.walk_in) == (True, True)
    assert page.locator(f"#rsvp-{wally.pk}.attended").count() == 1
    assert page.locator("[data-attended-count]").text_content() == "2"
    assert fits_the_width(page)
    screenshot(page, "checkin-host-phone")

    page.get_by_role("button", name="Close the event").tap()
    page.get_by_text("This event is closed").wait_for()
    event.refresh_from_db()
    assert event.status == Event.Status.CLOSED
    context.close()


def test_check_in_works_without_javascript(browser, live_server, chapter_a):
    host = make_user("host@example.org")
    event = started_meeting(chapter_a, host)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    log_in(context, host, live_server)
    page = context.new_page()
    page.goto(f"{event.get_absolute_url()}check-in/")
    page.get_by_role("button", name="Alan Turing").click()
    page.get_by_text("Alan Turing: here.").wait_for()  # the page reloaded with the message
    assert RSVP.objects.get(name="Alan Turing").attended
    assert "✓ Here" in page.locator(".checkin-row.attended").text_content()
    page.get_by_role("button", name="Alan Turing").click()  # a second tap undoes it
    page.get_by_text("Alan Turing: not checked in.").wait_for()
    assert not RSVP.objects.get(name="Alan Turing").attended
    context.close()


def test_events_near_a_zip_on_a_phone(browser, live_server, chapter_a):
    make_event(chapter_a, title="Lexington meeting", zip_code_id="29072")
    make_event(chapter_a, title="Greenville town hall", kind=Event.Kind.TOWN_HALL, zip_code_id="29601")
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.goto("/events/")
    page.get_by_label("ZIP code").fill("29201")
    page.get_by_role("button", name="Find events").click()
    page.wait_for_url("**zip=29201**")
    rows = page.locator("#near-heading ~ ol .event-row")
    assert rows.count() == 2
    assert "Lexington meeting" in rows.nth(0).text_content()
    assert "11.8 mi" in rows.nth(0).text_content()
    assert page.locator(".event-map svg a.pin").count() == 2
    assert fits_the_width(page)
    screenshot(page, "events-near-zip-phone")
    page.get_by_label("Kind").select_option("town_hall")
    page.get_by_role("button", name="Find events").click()
    page.wait_for_url("**kind=town_hall**")
    assert page.locator("#near-heading ~ ol .event-row").count() == 1
    context.close()
