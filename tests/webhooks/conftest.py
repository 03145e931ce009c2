import pytest

from tests.webhooks.helpers import Receiver


@pytest.fixture
def receiver(settings):
    """A receiving server on loopback, which the webhooks may reach in this test (never in production)."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    server = Receiver().start()
    yield server
    server.stop()
