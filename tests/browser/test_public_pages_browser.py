"""Public pages and the dashboard in Chromium: phone and desktop, screenshots, and axe-core."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from tests.browser.conftest import screenshot
from tests.factories import join

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


def accessibility_violations(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]]


def log_in(context, user, live_server) -> None:
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.mark.parametrize("size", SIZES)
def test_home_map_and_question_are_accessible(browser, live_server, chapter_a, chapter_b, size):
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size])
    page = context.new_page()
    page.goto("/")
    assert page.locator('a[data-state="SC"]').get_attribute("class") == "tile tile-active"
    assert "2 of 20 states" in page.text_content(".progress-line")
    # The visitor's own time appears next to the call's (written by our script, in the browser's zone).
    assert page.locator("#local-national").text_content().startswith("Your time:")
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"home-{size}")
    assert accessibility_violations(page) == []

    page.goto(f"/chapters/{chapter_a.slug}/")
    assert page.get_by_role("heading", level=1).text_content() == chapter_a.name
    assert "Our question" in page.text_content("main")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"chapter-{size}")
    assert accessibility_violations(page) == []

    page.goto("/question/")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Your state").select_option("SC")
    page.get_by_role("button", name="Answer").click()
    assert "Thank you: your answer is counted." in page.text_content(".messages")
    assert "Nationally · 1 answer" in page.text_content("main")
    assert accessibility_violations(page) == []
    context.close()


@pytest.mark.parametrize("size", SIZES)
def test_dashboard_for_a_coordinator(browser, live_server, coordinator_a, chapter_a, size):
    import datetime

    join(chapter_a, datetime.date(2026, 10, 1), 30)
    join(chapter_a, datetime.date(2026, 10, 11), 30)
    context = browser.new_context(base_url=live_server.url, viewport=SIZES[size])
    log_in(context, coordinator_a, live_server)
    page = context.new_page()
    page.goto("/dashboard/")
    assert "Doubled in 10 days" in page.text_content(".figures")
    assert page.locator("figure.chart svg polyline").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"dashboard-{size}")
    assert accessibility_violations(page) == []
    context.close()
