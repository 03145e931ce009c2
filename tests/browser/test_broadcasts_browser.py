"""A chapter coordinator writes a broadcast at 1280 px (live count as the audience changes), previews it
at 360 px, sends it, and a real worker delivers it to SMTP on loopback."""

from allauth.mfa.utils import decrypt

from broadcasts.models import Broadcast
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, SC_ZIP, WY_ZIP, make_member

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 780}


def test_coordinator_writes_previews_and_sends_a_broadcast(browser, live_server, chapter_a, chapter_b, coordinator_a,
                                                             smtp_sink, run_worker, settings):  # fmt: skip
    settings.BROADCAST_RATE = 1000
    make_member("ann@example.net", SC_ZIP, first_name="Ann", email_updates=True)
    make_member("amy@example.net", SC_ZIP, first_name="Amy")  # did not agree to email updates
    make_member("bob@example.net", WY_ZIP, first_name="Bob", email_updates=True)  # another chapter
    secret = decrypt(coordinator_a.authenticator_set.get().data["secret"])
    context = browser.new_context(base_url=live_server.url, viewport=WIDE)
    page = context.new_page()
    log_in(page, coordinator_a.email, PASSWORD)
    enter_totp(page, secret)
    page.wait_for_url("**/admin/")

    page.goto("/admin/broadcasts/broadcast/add/")
    page.get_by_label("Subject").fill("Hello {{ first_name }}")
    page.get_by_label("Preview text").fill("This week in South Carolina")
    page.get_by_label("Body").fill("Hi **{{ first_name }}**!\n\nCome to {{ next_call }}.\n\n<script>alert(1)</script>")
    page.locator("#id_chapter").select_option(label="South Carolina Consents")
    live = page.locator("#broadcast-live-count")
    live.filter(has_text="1 member would receive it now").wait_for()
    page.locator("#id_joined_after").fill("2999-01-01")
    live.filter(has_text="0 members").wait_for()
    page.locator("#id_joined_after").fill("")
    live.filter(has_text="1 member").wait_for()
    screenshot(page, "broadcast-form-1280")
    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_url("**/change/")
    broadcast = Broadcast.objects.get()

    phone = browser.new_context(base_url=live_server.url, viewport=NARROW, is_mobile=True, has_touch=True,
                                storage_state=context.storage_state())  # fmt: skip
    preview = phone.new_page()
    preview.goto(f"/admin/broadcasts/broadcast/{broadcast.pk}/preview/")
    assert "Hello Ann" in preview.content()
    assert preview.locator(".broadcast-preview-mail strong").text_content() == "Ann"
    assert preview.locator(".broadcast-preview-mail script").count() == 0
    assert preview.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    screenshot(preview, "broadcast-preview-360")
    phone.close()

    page.get_by_role("button", name="Send now").click()
    page.wait_for_url("**/change/")
    assert "Sending" in page.content()
    run_worker()
    # The broadcast only (the members' own welcome mails went through the same sink).
    assert [m["To"] for m in smtp_sink.messages if m["Subject"].startswith("Hello")] == ["ann@example.net"]
    page.reload()
    page.locator('#broadcast-progress strong[data-state="sent"]').filter(has_text="1").wait_for()
    screenshot(page, "broadcast-sent-1280")
    context.close()
