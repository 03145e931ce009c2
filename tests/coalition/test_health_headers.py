"""/health/ is answered first in the middleware stack, and still carries the site's security headers."""

from django.test import override_settings

HEADERS = ("X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Content-Security-Policy",
           "Permissions-Policy", "X-Frame-Options")  # fmt: skip


def test_health_sends_the_security_headers_every_page_sends(client, db):
    page = client.get("/")
    health = client.get("/health/", headers={"host": "10.0.0.7"})  # a load balancer probes with the machine's IP
    assert health.status_code == 200
    for header in HEADERS:
        assert health.get(header) == page[header], header
    assert "no-store" in health["Cache-Control"]  # a kept "ok" would hide an outage


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=True)
def test_health_sends_hsts_over_https_and_is_not_redirected_over_http(client, db):
    assert "Strict-Transport-Security" in client.get("/health/", secure=True)
    plain = client.get("/health/")
    assert plain.status_code == 200  # probes over plain http are not sent to https
    assert "Strict-Transport-Security" not in plain  # browsers ignore it over http; Django sends it only over https
