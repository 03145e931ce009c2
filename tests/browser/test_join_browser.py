"""A newcomer on a phone joins from South Carolina's join link, verifies by mail, edits their profile."""

import re

from members.models import Member
from tests.browser.conftest import screenshot


def test_join_from_state_link_verify_and_edit_profile(phone_page, chapter_a, mailoutbox):
    page = phone_page
    page.goto("/join/sc/?ref=phone-test&utm_source=instagram")
    assert "Join South Carolina Consents" in page.text_content("h1")
    page.get_by_label("First name").fill("Robin")
    page.get_by_label("Last name").fill("Marsh")
    page.get_by_label("Email", exact=True).fill("robin.marsh@example.net")
    page.get_by_label("Password").fill("a-long-and-unusual-passphrase")
    page.get_by_label("ZIP code").fill("29201")
    page.locator("#id_phone").fill("803 555 0142")
    screenshot(page, "join-sc-phone")
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**/accounts/confirm-email/")
    assert "You are joining South Carolina Consents" in page.text_content("main")

    member = Member.objects.get(user__email="robin.marsh@example.net")
    assert member.status == Member.Status.PENDING
    assert member.ref == "phone-test"
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", mailoutbox[0].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/join/welcome/")
    assert "You are a member of South Carolina Consents" in page.text_content("main")
    assert "Tuesdays at 7:30 pm Central" in page.text_content("main")
    screenshot(page, "join-welcome-phone")

    page.get_by_role("navigation").get_by_role("link", name="My profile").click()
    page.wait_for_url("**/profile/")
    page.locator("#id_phone").fill("803 555 0177")
    page.get_by_label("Show my first name and last initial on my chapter's public page").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/profile/")
    assert "Your profile is saved." in page.text_content("main")
    screenshot(page, "profile-phone")
    member.refresh_from_db()
    assert member.status == Member.Status.ACTIVE
    assert str(member.phone) == "+18035550177"
    assert member.show_name_publicly
