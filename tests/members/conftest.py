"""Members fixtures: ZIP codes with known counties, and members placed in chapters A and B."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from chapters.models import County, ZipCode
from members.models import Member, MembershipEvent, User

SC_ZIP = "29201"  # Columbia, Richland County, SC: chapter A
SC_OTHER_ZIP = "29401"  # Charleston, SC
WY_ZIP = "82001"  # Cheyenne, Laramie County, WY: chapter B
CA_ZIP = "90210"  # Beverly Hills, CA: no chapter in the tests
PASSWORD = "a-long-and-unusual-passphrase"


def make_member(email: str, zip_code: str, *, status: str = Member.Status.ACTIVE, **fields) -> Member:
    user = User.objects.create_user(
        email=email, password=PASSWORD, first_name=fields.pop("first_name", "Pat"),
        last_name=fields.pop("last_name", "Doe"),
    )  # fmt: skip
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    member = Member(user=user, status=status, **fields)
    member.place(ZipCode.objects.get(code=zip_code), County.objects.for_zip(zip_code).first())
    if status in Member.COUNTED:
        member.joined_at = timezone.now()
    member.save()
    if status in Member.COUNTED:
        MembershipEvent.objects.create(
            member=member, kind="joined", to_chapter_id=member.chapter_id, to_state_id=member.state_id
        )
    return member


def confirmation_path(text: str) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", text)
    assert match, text
    return match.group(1)


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
