"""Browser tests run on the live server, in transactional tests that empty every table afterwards.

That also empties the reference data the migrations loaded (states, counties, ZIP codes, role
groups), which every later test needs. Reload it after each test here, once the flush is done.
"""

import pytest
from django.apps import apps as django_apps
from pytest_django.plugin import blocking_manager_key

from chapters.geo import load_geography
from chapters.models import County, State, ZipCode
from members.roles import sync_role_groups


def restore_reference_data() -> None:
    if not State.objects.exists():
        load_geography(State, County, ZipCode)
    sync_role_groups(django_apps)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    with item.config.stash[blocking_manager_key].unblock():
        restore_reference_data()
    return result


@pytest.fixture(autouse=True)
def _reference_data(transactional_db) -> None:
    """An earlier transactional test may have flushed it too."""
    restore_reference_data()
