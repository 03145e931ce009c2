"""Members fixtures: ZIP codes with known counties, and members placed in chapters A and B."""

import pytest

from chapters.models import County, ZipCode
from members.models import Member
from tests.factories import SC_ZIP, WY_ZIP, make_member


@pytest.fixture
def sc_member(chapter_a) -> Member:
    return make_member("ann.a@example.net", SC_ZIP, first_name="Ann", last_name="Avery", phone="+18035550100")


@pytest.fixture
def wy_member(chapter_b) -> Member:
    return make_member("bob.b@example.net", WY_ZIP, first_name="Bob", last_name="Brook", phone="+13075550100")


@pytest.fixture
def two_county_zip(chapter_a) -> ZipCode:
    """Make the SC ZIP also lie in Lexington County (real ZIPs do span counties; the data keeps one)."""
    zip_code = ZipCode.objects.get(code=SC_ZIP)
    zip_code.counties.add(County.objects.get(state="SC", name="Lexington County"))
    return zip_code
