"""A national coordinator onboards a state group in Chromium; the invited coordinator follows the mail."""

import re

from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group

from chapters.models import Chapter
from lib.roles import NATIONAL_COORDINATORS
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, make_staff_mfa, make_user, totp_now

PHONE_360 = {"width": 360, "height": 740}


def test_national_coordinator_onboards_a_state_group(page, browser, live_server, mailoutbox):
    national = make_user("nat@example.org", first_name="Nat", last_name="Ional", is_staff=True)
    national.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    secret = decrypt(make_staff_mfa(national).data["secret"])

    log_in(page, "nat@example.org", PASSWORD)
    enter_totp(page, secret)
    page.wait_for_url("**/admin/")
    page.goto("/admin/chapters/chapter/")
    page.get_by_role("link", name="Onboard a state group").click()
    page.wait_for_url("**/admin/chapters/chapter/onboard/")

    page.locator("#id_state").select_option(label="New York")
    page.get_by_label("The whole state except these counties").check()
    # The county picker searches as you type ("Erie, NY"): it never lists all 3,000 counties.
    page.locator(".field-counties .select2-selection, #id_counties + .select2 .select2-selection").first.click()
    page.locator(".select2-search__field").fill("Kings, NY")
    page.locator(".select2-results__option", has_text="Kings County, NY").click()
    page.get_by_label("Chapter name").fill("Red New York")
    page.locator("#id_coordinators-0-first_name").fill("Rita")
    page.locator("#id_coordinators-0-last_name").fill("Vance")
    page.locator("#id_coordinators-0-email").fill("rita@example.org")
    screenshot(page, "onboarding-form")
    page.get_by_role("button", name="Onboard the group").click()

    page.wait_for_url(re.compile(r".*/admin/chapters/chapter/\d+/change/"))
    body = page.text_content("body")
    assert "Red New York is forming" in body
    assert "All of New York except Kings County" in body
    screenshot(page, "onboarding-done")
    chapter = Chapter.objects.get(slug="red-new-york")
    assert chapter.status == Chapter.Status.FORMING

    link = re.search(r"(/chapters/invitation/[^/\s]+/)", mailoutbox[0].body).group(1)
    # The invited coordinator's first login, on a phone: one guided path, and no step asks twice.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE_360)
    invited = context.new_page()
    invited.goto(link)
    invited.get_by_label("New password", exact=True).fill("a-long-new-password-7")
    invited.get_by_label("New password confirmation").fill("a-long-new-password-7")
    screenshot(invited, "first-login-1-password")
    invited.get_by_role("button", name="Set password and log in").click()

    # Logged in, but the admin opens only once they have a second factor.
    invited.wait_for_url("**/accounts/2fa/")
    assert "Set up two-factor authentication" in invited.text_content("body")
    assert invited.locator(".setup-steps [aria-current=step]").text_content() == "Add an authenticator app"
    # The account's own links sit together, after the site's sections.
    sections = invited.locator("nav ul").first.locator("li").all_text_contents()
    assert sections == ["Home", "Chapters", "Endorsements", "Calls", "The question", "Dashboard", "Admin"]
    account = [text.strip() for text in invited.locator("nav .nav-account li").all_text_contents()]
    assert account == ["My profile", "Password", "Two-factor authentication", "Log out"]
    screenshot(invited, "first-login-2-two-factor")

    # The password was typed a moment ago: allauth does not ask for it again.
    invited.get_by_role("link", name="Set up an authenticator app").click()
    invited.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = invited.get_by_label("Can't scan? Type this key into the app instead").input_value()
    invited.get_by_label("Authenticator code").fill(totp_now(secret))
    screenshot(invited, "first-login-3-authenticator")
    invited.get_by_role("button", name="Activate").click()

    invited.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert invited.locator(".setup-steps [aria-current=step]").text_content() == "Save your recovery codes"
    assert len(invited.locator("#recovery_codes").input_value().split()) == 10
    # Downloading the codes and replacing them are apart, not one run of words.
    download = invited.get_by_role("link", name="Download codes").bounding_box()
    regenerate = invited.get_by_role("link", name="Generate new codes").bounding_box()
    assert regenerate["y"] > download["y"] + download["height"] + 40
    assert invited.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(invited, "first-login-4-recovery-codes")
    invited.get_by_role("link", name="Continue to your chapter in the admin").click()

    invited.wait_for_url("**/admin/chapters/chapter/")
    assert "Red New York" in invited.text_content("#result_list")
    screenshot(invited, "first-login-5-chapter-in-admin")
    context.close()


def test_find_your_chapter_on_a_phone(phone_page):
    chapter = Chapter.objects.create(name="South Carolina Consents", slug="south-carolina", state_id="SC")
    chapter.set_territory(mode=Chapter.TerritoryMode.WHOLE_STATE)
    page = phone_page
    page.goto("/")
    page.get_by_role("link", name="Chapters").first.click()
    page.wait_for_url("**/chapters/")
    page.get_by_label("Your ZIP code").fill("12a45")
    page.get_by_role("button", name="Find your chapter").click()
    assert "A ZIP code is five digits" in page.text_content("main")
    page.get_by_label("Your ZIP code").fill("29201")
    page.get_by_role("button", name="Find your chapter").click()
    page.wait_for_url("**/chapters/south-carolina/")
    assert "All of South Carolina" in page.text_content("main")
    # Nothing sticks out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "chapter-page-phone")
