"""The cache is shared by every worker: the database cache by default, Redis with REDIS_URL."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/15"


def cache_backend_in_production(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "COALITION_TESTING", "REDIS_URL")}
    production = {"DEBUG": "false", "SECRET_KEY": "k" * 50, "ALLOWED_HOSTS": "example.org"}
    production["DATABASE_URL"] = "postgres://coalition@db.invalid:5432/coalition"
    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **production, **env, "DJANGO_SETTINGS_MODULE": "coalition.settings"},
        cwd=BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_uses_the_database_cache_without_redis():
    assert cache_backend_in_production() == "django.core.cache.backends.db.DatabaseCache"


def test_production_uses_redis_when_redis_url_is_set():
    assert cache_backend_in_production(REDIS_URL=REDIS_URL) == "django.core.cache.backends.redis.RedisCache"


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="no Redis on 127.0.0.1:6379")
def test_redis_cache_is_shared_between_clients():
    # Two cache objects stand for two workers: what one sets, the other reads.
    one, two = RedisCache(REDIS_URL, {}), RedisCache(REDIS_URL, {})
    key = f"coalition-test-{os.getpid()}"
    try:
        one.set(key, "from worker one", 30)
        assert two.get(key) == "from worker one"
        assert two.add(key, "again") is False  # allauth's rate limits rely on add being atomic
    finally:
        one.delete(key)
