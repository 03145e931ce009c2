"""A coordinator on a phone-sized screen reviews possible duplicates, sets one pair aside, merges another."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from playwright.sync_api import expect

from duplicates.models import DismissedPair
from members.models import Member, User
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, make_coordinator, make_member

NARROW = {"width": 360, "height": 780}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_coordinator_reviews_dismisses_and_merges_on_a_phone(browser, live_server, chapter_a):
    coordinator = make_coordinator("coord-a@example.org", chapter_a)
    secret = decrypt(Authenticator.objects.get(user=coordinator, type=Authenticator.Type.TOTP).data["secret"])
    online = make_member("pat.doe@example.org", "29201", first_name="Pat", last_name="Doe", phone="+18035550101")
    roster = make_member("patricia.doe@example.net", "29201", status="imported", first_name="Patricia",
                         last_name="Doe", phone="+18035550101")  # fmt: skip
    make_member("kathrine.w@example.org", "29201", first_name="Kathrine", last_name="Whitfield")
    make_member("katherine.w@example.org", "29201", first_name="Katherine", last_name="Whitfield")
    context = browser.new_context(base_url=live_server.url, viewport=NARROW)
    page = context.new_page()
    log_in(page, "coord-a@example.org", PASSWORD)
    enter_totp(page, secret)
    page.wait_for_url("**/admin/")

    page.goto("/admin/members/member/")
    page.get_by_role("link", name="Possible duplicates").click()
    page.wait_for_url("**/admin/duplicates/dismissedpair/review/")
    pairs = page.locator(".dup-pair")
    expect(pairs).to_have_count(2)
    expect(pairs.first).to_contain_text("Same phone number (+18035550101)")  # the surest first
    expect(pairs.nth(1)).to_contain_text("Similar names")
    assert fits_the_width(page)
    screenshot(page, "duplicates-review-360")

    # The Whitfields are two people: set aside, and not suggested again.
    pairs.nth(1).get_by_role("button", name="Not the same person").click()
    expect(page.locator(".dup-pair")).to_have_count(1)
    assert DismissedPair.objects.count() == 1

    page.locator(".dup-pair").first.get_by_role("link", name="Compare and merge").click()
    page.wait_for_url("**/admin/duplicates/dismissedpair/merge/**")
    page.get_by_role("group", name="First name").get_by_label("Patricia").check()
    page.get_by_role("button", name="Preview the merge").click()
    expect(page.locator(".merge-lost")).to_contain_text("First name: Pat")
    assert fits_the_width(page)
    screenshot(page, "duplicates-merge-preview-360")
    page.get_by_role("button", name="Merge", exact=True).click()

    page.wait_for_url(f"**/admin/members/member/{online.pk}/change/")
    expect(page.locator(".messagelist")).to_contain_text("Merged into pat.doe@example.org")
    assert not Member.objects.filter(pk=roster.pk).exists()
    merged = User.objects.get(pk=online.user_id)
    assert (merged.first_name, merged.email) == ("Patricia", "pat.doe@example.org")
    assert set(merged.emailaddress_set.values_list("email", flat=True)) == {
        "pat.doe@example.org", "patricia.doe@example.net"
    }  # fmt: skip
    context.close()
