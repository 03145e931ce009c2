"""Webhooks go only to public addresses: a URL typed into the admin never reaches our own network."""

import pytest

from tests.factories import make_member
from tests.webhooks.helpers import subscribe
from webhooks import outbound
from webhooks.models import Delivery


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://224.0.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    with pytest.raises(outbound.Refused):
        outbound.check_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://203.0.113.9/hook", "https://"),
        ("http://8.8.8.8/hook", "https://"),
        ("https://user:pass@8.8.8.8/hook", "user name"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
        ("https:///hook", "no host"),
    ],
)
def test_other_unusable_urls_are_refused_with_a_reason(url, message, settings):
    with pytest.raises(outbound.Refused, match=message):
        outbound.check_url(url)


def test_a_public_address_is_allowed_and_pinned(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    assert outbound.check_url("https://8.8.8.8:8443/hook?x=1") == ("https", "8.8.8.8", 8443, "/hook?x=1", "8.8.8.8")


def test_loopback_only_where_the_setting_allows_it(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert outbound.check_url("http://127.0.0.1:9/hook")[4] == "127.0.0.1"
    with pytest.raises(outbound.Refused):
        outbound.check_url("https://10.0.0.1/hook")  # private networks stay refused


def test_a_delivery_to_loopback_in_production_is_refused_and_nothing_is_sent(
    receiver, run_worker, settings, chapter_a, coordinator_a
):
    subscribe(coordinator_a, chapter_a, receiver.url)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False  # as in production, after the subscription was saved
    settings.WEBHOOK_RETRY_DELAYS = [0]
    make_member("joiner@example.net", "29201")
    run_worker()
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"
    assert "private network" in delivery.last_error
    assert delivery.attempt_log.first().status_code is None
