"""/health/ answers load balancers: 200 when the database answers, 503 with the reason when not."""

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection


def test_health_is_ok_when_the_database_answers(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_health_answers_whatever_host_a_load_balancer_sends(client, db):
    response = client.get("/health/", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


def test_other_pages_still_refuse_unknown_hosts(client, db):
    assert client.get("/", HTTP_HOST="evil.example.com").status_code == 400


def test_health_is_503_with_the_reason_when_the_database_is_down(client, unreachable_database):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "127.0.0.1" in response.json()["database"]
    # Like every other 503 (make soak counts a 503 without it as a failure).
    assert response["Retry-After"] == "30"


def test_cache_is_the_shared_database_cache(db):
    assert isinstance(caches["default"], DatabaseCache)
    cache.set("shared-by-every-worker", 42)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM coalition_cache WHERE cache_key LIKE %s", ["%shared-by-every-worker"])
        assert cursor.fetchone()[0] == 1
