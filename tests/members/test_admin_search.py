"""The members list's search finds what a coordinator types: a state, a city, a name, a ZIP code."""

import pytest

from tests.factories import SC_OTHER_ZIP, SC_ZIP, make_member

NYC_ZIP, BUFFALO_ZIP = "10001", "14201"


@pytest.fixture
def people(chapter_a):
    make_member("nora@example.net", NYC_ZIP, first_name="Nora", last_name="Manhattan")
    make_member("bill@example.net", BUFFALO_ZIP, first_name="Bill", last_name="Lake")
    make_member("cole@example.net", SC_ZIP, first_name="Cole", last_name="Rivers")
    make_member("charlie@example.net", SC_OTHER_ZIP, first_name="Charlie", last_name="Harbor")
    make_member("virginia@example.net", SC_OTHER_ZIP, first_name="Virginia", last_name="Wolf")


def found(client, term: str) -> set[str]:
    response = client.get("/admin/members/member/", {"q": term})
    assert response.status_code == 200
    return {row.user.email.split("@")[0] for row in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("New York", {"nora", "bill"}),
        ("new york", {"nora", "bill"}),
        ("NY", {"nora", "bill"}),
        ("South Carolina", {"cole", "charlie", "virginia"}),
        ("Columbia", {"cole"}),
        ("charleston", {"charlie", "virginia"}),
        ("Charleston SC", {"charlie", "virginia"}),
        ("Buffalo New York", {"bill"}),
        ("Virginia", {"virginia"}),  # a first name as well as a state
        ("Nora Manhattan", {"nora"}),
        ("rivers@", set()),
        ("cole@", {"cole"}),
        (SC_ZIP, {"cole"}),
    ],
)
def test_search_by_state_city_name_or_zip(client, national, people, term, expected):
    client.force_login(national)
    assert found(client, term) == expected


def test_a_coordinator_searching_a_state_sees_only_their_own_members(as_role, people, chapter_a):
    client = as_role("coordinator_a")
    assert found(client, "New York") == set()
    assert found(client, "SC") == {"cole", "charlie", "virginia"}
