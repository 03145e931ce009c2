"""Onboarding on a phone-sized screen: the county picker keeps to the chosen state, and the new
chapter is handed to the roster import, whose preview speaks the file's own words."""

import re

from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from chapters.models import Chapter
from lib.roles import NATIONAL_COORDINATORS
from members.models import Member
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, make_staff_mfa, make_user

NARROW = {"width": 360, "height": 780}


def expect_county_options(page, term: str, options: list[str]) -> None:
    page.locator("#id_counties + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill(term)
    expect(page.locator(".select2-results__option")).to_have_text(options)
    page.keyboard.press("Escape")


def test_onboarding_keeps_counties_to_the_state_and_hands_over_the_roster(browser, live_server, tmp_path):
    national = make_user("nat@example.org", first_name="Nat", last_name="Ional", is_staff=True)
    national.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    secret = decrypt(make_staff_mfa(national).data["secret"])
    context = browser.new_context(base_url=live_server.url, viewport=NARROW)
    page = context.new_page()
    errors = []
    # The missing /favicon.ico is the public pages' part of the issue, not this screen's.
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.location["url"] else None,
    )
    log_in(page, "nat@example.org", PASSWORD)
    enter_totp(page, secret)
    page.wait_for_url("**/admin/")

    page.goto("/admin/chapters/chapter/onboard/")
    page.locator("#id_state").select_option(label="Georgia")
    expect_county_options(page, "Fulton", ["Fulton County, GA"])
    page.locator("#id_state").select_option(label="New York")
    expect_county_options(page, "Fulton", ["Fulton County, NY"])
    page.get_by_label("The whole state", exact=True).check()
    page.get_by_label("Chapter name").fill("Red New York")
    page.locator("#id_coordinators-0-first_name").fill("Rita")
    page.locator("#id_coordinators-0-last_name").fill("Vance")
    page.locator("#id_coordinators-0-email").fill("rita@example.org")
    page.get_by_label("Import the group's member list next").check()
    screenshot(page, "onboarding-form-360")
    page.get_by_role("button", name="Onboard the group").click()

    page.wait_for_url("**/admin/members/member/import/?chapter=*")
    chapter = Chapter.objects.get(slug="red-new-york")
    assert chapter.founded is not None
    assert page.locator("#id_chapter").input_value() == str(chapter.pk)
    roster = tmp_path / "roster.csv"
    roster.write_text("E-mail,Given name,Surname,Zip\nann@example.net,Ann,Avery,10001\nbo@example.net,Bo,Bell,99999\n")
    page.locator("#id_file").set_input_files(str(roster))
    page.get_by_label("Only good rows", exact=False).check()
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=First rows")
    headers = page.locator("#content-main table").nth(1).locator("th").all_text_contents()
    assert headers == ["E-mail", "Given name", "Surname", "Zip"]
    # The error table's headers sit above their own cells.
    errors_table = page.locator("table.import-errors")
    head = errors_table.locator("th").nth(2).bounding_box()
    cell = errors_table.locator("td").nth(2).bounding_box()
    assert abs(head["x"] - cell["x"]) < 2
    screenshot(page, "roster-preview-360")
    page.get_by_role("button", name="Add 1 new member").click()
    page.wait_for_url(re.compile(r".*/admin/members/member/$"))
    assert Member.objects.get(user__email="ann@example.net").chapter == chapter
    assert errors == []
    context.close()
