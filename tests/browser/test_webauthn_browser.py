"""A coordinator adds a security key (Chromium's virtual authenticator, through CDP) and signs in with it."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group

from lib.roles import NATIONAL_COORDINATORS
from tests.browser.conftest import enter_totp, log_in, screenshot
from tests.factories import PASSWORD, make_staff_mfa, make_user


def add_virtual_authenticator(page) -> dict:
    """A platform authenticator that verifies the user and answers every request by itself."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp


def test_coordinator_adds_a_security_key_and_signs_in_with_it(page, live_server):
    national = make_user("nat@example.org", first_name="Nat", last_name="Ional", is_staff=True)
    national.groups.add(Group.objects.get(name=NATIONAL_COORDINATORS))
    secret = decrypt(make_staff_mfa(national).data["secret"])
    add_virtual_authenticator(page)

    log_in(page, "nat@example.org", PASSWORD)
    enter_totp(page, secret)
    page.wait_for_url("**/admin/")
    page.goto("/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:  # adding a key asks for the password again
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Laptop key")
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    screenshot(page, "webauthn-added")
    key = Authenticator.objects.get(user=national, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop key"

    # Next sign-in: the password, then the security key instead of a code.
    page.context.clear_cookies()
    log_in(page, "nat@example.org", PASSWORD)
    page.wait_for_url("**/accounts/2fa/authenticate/**")
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url("**/admin/")
    assert "Coalition administration" in page.text_content("body")
    screenshot(page, "webauthn-signed-in")
