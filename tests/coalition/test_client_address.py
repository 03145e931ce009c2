"""The client address every per-IP limit counts: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT set,
the address the trusted proxy wrote into X-Forwarded-For (one mechanism, allauth's, for all)."""

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from endorsements.models import Endorsement
from question.models import Answer
from tests.coalition.test_settings import BASE_DIR
from tests.factories import endorsement_form

SUBMIT = "/endorsements/submit/"
PROXY = "10.0.0.5"


def submit(client, name: str, forwarded_for: str):
    return client.post(SUBMIT, endorsement_form(name=name), REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def use_up_the_limit(client, forwarded_for: str) -> None:
    for i in range(5):
        assert submit(client, f"Person {i}", forwarded_for).status_code == 200
    assert submit(client, "One too many", forwarded_for).status_code == 429


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(client, db):
    use_up_the_limit(client, "203.0.113.1")
    assert submit(client, "Someone else", "203.0.113.2").status_code == 200
    # What a client writes before the proxy's entry is not believed: the proxy's own entry counts.
    assert submit(client, "Spoofed", "198.51.100.9, 203.0.113.1").status_code == 429
    assert Endorsement.objects.filter(name="Someone else").exists()


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, db):
    use_up_the_limit(client, "203.0.113.1")
    assert submit(client, "Spoofed", "203.0.113.2").status_code == 429
    assert not Endorsement.objects.filter(name="Spoofed").exists()


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_the_question_counts_each_forwarded_client_apart(client, db):
    def answer(forwarded_for: str) -> int:
        client.cookies.clear()  # a new visitor each time, as an attacker clearing cookies would be
        return client.post(
            "/question/answer/", {"choice": "yes", "state": "SC"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    assert [answer("203.0.113.1") for _ in range(31)] == [302] * 30 + [429]
    assert answer("203.0.113.2") == 302
    assert Answer.objects.count() == 31


@pytest.mark.parametrize(("value", "expected"), [(None, "0"), ("1", "1"), ("2", "2")])
def test_the_trusted_proxy_count_comes_from_the_environment(value, expected):
    env = {"TRUSTED_PROXY_COUNT": value} if value is not None else {}
    result = print_setting("ALLAUTH_TRUSTED_PROXY_COUNT", env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("value", ["-1", "one"])
def test_a_bad_trusted_proxy_count_is_refused_with_its_name(value):
    result = print_setting("ALLAUTH_TRUSTED_PROXY_COUNT", {"TRUSTED_PROXY_COUNT": value})
    assert result.returncode != 0
    assert "ImproperlyConfigured: TRUSTED_PROXY_COUNT must be" in result.stderr


def print_setting(name: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "TRUSTED_PROXY_COUNT"}
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(settings.{name})"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "coalition.settings", "DEBUG": "true", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
