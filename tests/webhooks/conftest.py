import pytest
from django.db import connection

from tests.webhooks.helpers import Receiver


@pytest.fixture
def receiver(settings):
    """A receiving server on loopback, which the webhooks may reach in this test (never in production)."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_jobs_left(request):
    """The queue's tables are not emptied between transactional tests: our jobs go with the test."""
    yield
    if "transactional_db" in request.fixturenames:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'deliver_webhook'")
