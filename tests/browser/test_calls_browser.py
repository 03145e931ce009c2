"""A call's start shows once in the viewer's own time, named: the member's zone, else the browser's."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.test import Client

from events.calls import national_call
from events.templatetags.call_times import in_zone
from tests.browser.conftest import screenshot
from tests.factories import make_member

PHONE = {"width": 360, "height": 740}


def log_in(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_visitor_sees_the_call_in_the_browsers_zone_named(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, timezone_id="Europe/Berlin")
    page = context.new_page()
    page.goto("/calls/")
    your_time = page.locator(".your-time")
    assert your_time.count() == 1
    text = your_time.text_content()
    # The zone is named twice over: as people say it and as the browser knows it.
    assert "Central European" in text
    assert text.endswith("(Europe/Berlin)")
    start = national_call().next_occurrence().astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{start.hour % 12 or 12}:{start.minute:02d}" in text
    assert page.text_content("main").count("Your time") == 1
    screenshot(page, "calls-visitor-berlin-phone")
    context.close()


def test_member_sees_the_call_in_their_zips_zone_only(browser, live_server):
    member = make_member("pacific@example.org", "90210")
    # The browser says Tokyo (a member travelling): the page still shows one time, their home zone's.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, timezone_id="Asia/Tokyo")
    log_in(context, member.user, live_server)
    page = context.new_page()
    page.goto("/calls/")
    expected = "Your time: " + in_zone(national_call().next_occurrence(), "America/Los_Angeles")
    assert "Pacific time (P" in expected
    assert page.locator(".your-time").all_text_contents() == [expected]
    assert page.text_content("main").count("Your time") == 1
    assert "Japan" not in page.text_content("main")
    screenshot(page, "calls-member-pacific-phone")
    context.close()
