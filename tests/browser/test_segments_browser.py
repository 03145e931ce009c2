"""A chapter coordinator on a 360 px phone tags members, saves a segment and opens its members list."""

from allauth.mfa.utils import decrypt

from members.models import Member
from segments.models import Segment
from tags.models import MemberTag, Tag
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, SC_ZIP, WY_ZIP, make_member

NARROW = {"width": 360, "height": 780}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]


def test_coordinator_tags_members_and_saves_a_segment_at_360px(browser, live_server, chapter_a, chapter_b,
                                                                coordinator_a):  # fmt: skip
    volunteer = Tag.objects.create(name="volunteer")
    Tag.objects.create(name="wyoming-only", chapter=chapter_b)
    ann = make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Avery", email_updates=True)
    make_member("amy@example.net", SC_ZIP, first_name="Amy", last_name="Abbott")
    make_member("bob@example.net", WY_ZIP, first_name="Bob", last_name="Byrne", email_updates=True)
    secret = decrypt(coordinator_a.authenticator_set.get().data["secret"])
    context = browser.new_context(base_url=live_server.url, viewport=NARROW, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, coordinator_a.email, PASSWORD)
    enter_totp(page, secret)
    page.wait_for_url("**/admin/")

    # Tag Ann from the members list, with the bulk action.
    page.goto("/admin/members/member/")
    page.locator(f'input[name="_selected_action"][value="{ann.pk}"]').check()
    page.locator('select[name="action"]').select_option("tag_selected")
    page.locator('button[name="index"]').click()
    page.locator("#id_tag").select_option(label="volunteer")
    assert "wyoming-only" not in page.content()
    assert fits(page)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/admin/members/member/")
    assert list(MemberTag.objects.values_list("member_id", "tag_id")) == [(ann.pk, volunteer.pk)]

    # A segment of volunteers who agreed to email updates.
    page.goto("/admin/segments/segment/add/")
    page.get_by_label("Name").fill("Volunteers for mail")
    page.locator("#id_chapter").select_option(label="South Carolina Consents")
    page.locator("#id_tags_any").get_by_label("volunteer").check()
    page.locator("#id_consents").get_by_label("email updates").check()
    assert fits(page)
    screenshot(page, "segment-form-360")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url("**/change/")
    segment = Segment.objects.get()
    assert page.locator(".field-live_count .readonly").text_content().strip() == "1"
    assert "agreed to email updates, tagged volunteer" in page.locator(".field-summary .readonly").text_content()
    assert fits(page)
    screenshot(page, "segment-page-360")

    page.get_by_role("link", name="List its members").click()
    page.wait_for_url(f"**/admin/members/member/?segment={segment.pk}")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "ann@example.net" in rows.first.text_content()
    assert Member.objects.count() == 3
    context.close()
