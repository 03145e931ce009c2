"""A member's own screens on a 360 px phone: consents, a move between chapters, who looked, leaving, welcome, mail."""

import re

import pytest

from members.models import Member, MemberAccess
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, WY_ZIP, confirmation_path, join_form, make_member

NARROW = {"width": 360, "height": 780}


@pytest.fixture
def narrow_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    # The browser's own console message for a failed load names no URL: failed loads are taken from
    # the responses instead, less /favicon.ico, which the public pages' work provides.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load") else None,
    )
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "/favicon.ico" not in r.url else None,
    )
    yield page
    context.close()
    assert not errors, errors


def sign_in(page, email: str, then: str) -> None:
    page.goto(f"/accounts/login/?next={then}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{then}")


def fits(page) -> bool:
    # Against the phone's width itself: a mobile browser widens its layout viewport to fit what overflows.
    return page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


def background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


def test_profile_consents_move_question_access_log_and_leaving(narrow_page, chapter_a, chapter_b, coordinator_a):
    page = narrow_page
    member = make_member("ann.a@example.net", "29201", first_name="Ann", last_name="Avery", email_updates=True)
    member.user.set_password(PASSWORD)
    member.user.save()
    MemberAccess.objects.create(member=member, actor=coordinator_a, action=MemberAccess.Action.VIEWED)

    sign_in(page, "ann.a@example.net", "/profile/")
    assert "You have not agreed to this." in page.locator("#id_text_messages_helptext").text_content()
    assert page.locator("#id_email_updates_helptext").text_content().startswith("You agreed to this on ")
    assert "a coordinator of South Carolina Consents opened your record" in page.text_content("main")
    assert "Coordinator SC" not in page.text_content("main")
    leave = page.get_by_role("link", name="Leave the coalition")
    assert background(leave) != background(page.get_by_role("button", name="Save"))
    assert fits(page)
    screenshot(page, "member-profile-360")

    # A new ZIP code in another chapter: asked as a question, nothing in the error colour.
    page.get_by_label("ZIP code").fill(WY_ZIP)
    page.get_by_role("button", name="Save").click()
    question = page.locator(".confirm-move")
    assert "Move to Wyoming Consents?" in question.text_content()
    assert page.locator(".errorlist").count() == 0
    assert background(question) != "rgb(164, 22, 26)"
    assert question.evaluate("element => getComputedStyle(element).color") != "rgb(164, 22, 26)"
    screenshot(page, "member-profile-move-question-360")
    page.get_by_label("ZIP code").fill("29201")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/profile/")

    # Leaving asks first and says what it means.
    page.get_by_role("link", name="Leave the coalition").click()
    page.wait_for_url("**/profile/leave/")
    assert "its count goes from 1 to 0" in page.text_content("main")
    assert "We stop sending you email updates and text messages." in page.text_content("main")
    assert background(page.get_by_role("button", name="Leave the coalition")) == "rgb(164, 22, 26)"
    assert fits(page)
    screenshot(page, "member-leave-confirm-360")
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    page.get_by_role("button", name="Leave the coalition").click()
    page.wait_for_url("**/profile/")
    assert "You have left the coalition." in page.text_content("main")
    member.refresh_from_db()
    assert member.status == Member.Status.LEFT
    assert not member.email_updates


def test_welcome_after_confirming_shows_chapter_call_and_link_to_share(narrow_page, chapter_a, mailoutbox, client):
    page = narrow_page
    client.post("/join/sc/", join_form(email="robin@example.net", first_name="Robin"))
    [mail] = mailoutbox
    [(html, _)] = mail.alternatives

    page.goto(confirmation_path(mail.body))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("You have confirmed robin@example.net").wait_for()  # another browser than the one that joined
    sign_in(page, "robin@example.net", "/join/welcome/")
    main = page.text_content("main")
    assert "You are a member of South Carolina Consents" in main
    assert "Tuesdays at 7:30 pm Central" in main
    assert page.get_by_role("link", name="Add it to my calendar").get_attribute("href") == "/calls/national/next.ics"
    link = page.get_by_label("Your link to share").input_value()
    assert re.fullmatch(r"http://[^/]+/join/sc/\?ref=friend-[0-9a-f]{10}", link)
    assert fits(page)
    screenshot(page, "member-welcome-360")

    # The confirmation mail's HTML part, as a phone shows it (in a blank page: the site's CSP would block
    # the inline styles mail needs).
    mail_page = page.context.new_page()
    mail_page.set_content(html)
    assert mail_page.get_by_role("link", name="Confirm my email address").count() == 1
    assert "Coalition of the States" in mail_page.text_content("body")
    assert fits(mail_page)
    screenshot(mail_page, "mail-confirm-signup-360")
