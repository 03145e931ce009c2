from tests.browser.conftest import screenshot


def test_home_renders_and_leads_to_signup(phone_page, chapter_a):
    page = phone_page
    page.goto("/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert "of 20 states" in page.text_content("main")
    page.get_by_role("link", name="Join the coalition").click()
    page.wait_for_url("**/join/")
    assert page.get_by_label("Email", exact=True).is_visible()
    screenshot(page, "signup-phone")
