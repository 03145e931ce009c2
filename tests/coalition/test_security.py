"""Production security settings: `check --deploy` is clean; public pages carry the headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
# The production environment README.md documents (section "Security").
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "coalition.example.org",
    "DATABASE_URL": "postgres://coalition@db.invalid:5432/coalition",
    "SECURE_PROXY_SSL_HEADER": "true",
}


def test_check_deploy_reports_nothing_in_production():
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never has it.
    unset = {"COALITION_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in unset}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, **PRODUCTION}, cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_public_page_sends_the_security_headers(client, db):
    response = client.get("/")
    assert response.status_code == 200
    csp = {d.split()[0]: d.split()[1:] for d in response["Content-Security-Policy"].split("; ")}
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_public_page_has_no_inline_script_or_style(client, db):
    # The CSP forbids them; an inline one would silently not run in the browser.
    html = client.get("/").content.decode()
    assert "<script>" not in html
    assert "<style" not in html
    assert " style=" not in html


def test_session_cookie_is_http_only_and_expires(client, member):
    from django.conf import settings

    login = {"login": member.email, "password": "correct-horse-battery-staple", "remember": "on"}
    client.post("/accounts/login/", login)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) == 14 * 24 * 3600


def test_session_without_remember_me_ends_with_the_browser(client, member):
    from django.conf import settings

    client.post("/accounts/login/", {"login": member.email, "password": "correct-horse-battery-staple"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"]
