"""A visitor endorses, confirms by mail, a coordinator verifies and publishes, and it is on the wall.

It then shows on the wall, on its own page and on its state's chapter page.
"""

import re

from django.test import Client

from endorsements.models import Endorsement
from tests.browser.conftest import screenshot


def test_visitor_endorsement_goes_through_review_to_the_wall(page, live_server, mailoutbox, coordinator_a):
    page.goto("/endorsements/")
    page.get_by_role("link", name="Endorse the coalition").click()
    page.wait_for_url("**/endorsements/submit/")
    page.get_by_label("Kind").select_option(label="Candidate")
    page.locator("#id_name").fill("Dana Whitfield")
    page.get_by_label("Office or role").fill("Candidate for US Senate")
    page.get_by_label("Party").fill("Independent")
    page.get_by_label("State", exact=True).select_option(label="South Carolina")
    page.locator("#id_statement").fill("South Carolina should consent. <b>Really.</b>")
    page.get_by_label("Source URL").fill("https://whitfield.example.com/statement")
    page.get_by_label("Date made").fill("2026-04-02")
    page.get_by_label("Contact email").fill("dana@whitfield.example.com")
    page.get_by_role("button", name="Submit endorsement").click()
    page.get_by_role("heading", name="Check your email").wait_for()

    link = re.search(r"https?://[^/\s]+(/endorsements/confirm/\S+/)", mailoutbox[0].body).group(1)
    page.goto(link)
    page.get_by_role("button", name="Confirm my endorsement").click()
    page.get_by_role("heading", name="Thank you").wait_for()
    endorsement = Endorsement.objects.get(name="Dana Whitfield")
    assert endorsement.status == Endorsement.Status.SUBMITTED

    # The coordinator of South Carolina, logged in through a session cookie.
    client = Client()
    client.force_login(coordinator_a)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto("/admin/endorsements/endorsement/?status__exact=submitted")
    page.check(f'input[name="_selected_action"][value="{endorsement.pk}"]')
    page.select_option('select[name="action"]', "verify_selected")
    page.get_by_role("button", name="Go").click()
    page.get_by_label("Verified by").select_option("call")
    page.get_by_label("Verification note").fill("Called the campaign office on its published number.")
    page.get_by_role("button", name="Verify endorsements").click()
    page.get_by_text("Verified: Dana Whitfield.").wait_for()

    page.goto("/admin/endorsements/endorsement/?status__exact=verified")
    page.check(f'input[name="_selected_action"][value="{endorsement.pk}"]')
    page.select_option('select[name="action"]', "publish_selected")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("Published: Dana Whitfield.").wait_for()
    assert "withdraw" in mailoutbox[-1].body

    page.goto("/endorsements/?state=SC")
    page.get_by_role("link", name="Dana Whitfield").click()
    page.get_by_role("heading", name="Dana Whitfield", level=1).wait_for()
    assert "<b>Really.</b>" in page.text_content("main")  # shown as text, not markup
    assert "dana@whitfield.example.com" not in page.content()
    screenshot(page, "endorsement-published")

    page.goto(f"/chapters/{coordinator_a.officer_terms.get().chapter.slug}/")
    assert "Dana Whitfield" in page.text_content("#endorsements-heading + ul")
