import pytest

from tests.factories import database_down


@pytest.fixture
def unreachable_database(transactional_db):
    with database_down():
        yield
