"""A coordinator's mail choice and the digest itself on a 360 px phone."""

import pytest
from django.conf import settings
from django.core import mail

from digests.digest import send_digests_due
from digests.models import DigestPreference
from tests.browser.conftest import screenshot
from tests.browser.test_members_browser import NARROW, fits
from tests.digests.test_digest import tomorrow_at
from tests.factories import SC_ZIP, make_member


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    failed = []
    page.on(
        "response",
        lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 and "/favicon.ico" not in r.url else None,
    )
    yield page
    context.close()
    assert not failed, failed


def logged_in_as(page, client, user, live_server) -> None:
    """The browser carries a session made by the test client (the login page has browser tests of its own)."""
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_a_coordinator_turns_the_digest_into_instant_notices_on_a_phone(phone, client, live_server, coordinator_a):
    page = phone
    logged_in_as(page, client, coordinator_a, live_server)
    page.goto("/digests/")
    assert "As coordinator of South Carolina Consents" in page.text_content("main")
    assert page.get_by_label("A daily digest, in the morning, on days something happened").is_checked()
    assert fits(page)
    screenshot(page, "digest-preferences-360")

    page.get_by_label("One mail for each join, move or departure, as it happens").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved: one mail for each join").wait_for()
    assert DigestPreference.of(coordinator_a) == "instant"


def test_the_digest_reads_on_a_phone(phone, coordinator_a):
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    mail.outbox.clear()
    send_digests_due(tomorrow_at(7))
    [digest] = mail.outbox
    [(html, _)] = digest.alternatives
    page = phone.context.new_page()
    page.set_content(html)
    assert page.get_by_role("link", name="Ann Alpha").count() == 1
    assert page.get_by_role("link", name="Daily, instant or none").count() == 1
    assert fits(page)
    screenshot(page, "mail-daily-digest-360")
