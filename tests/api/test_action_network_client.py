"""A client written to Action Network's published documentation works here with only its base URL and key changed.

The client below follows actionnetwork.org/docs/v2: it finds the person signup helper on the API
entry point (`osdi:person_signup_helper`), POSTs `{"person": ..., "add_tags": [...]}` to it with
the `OSDI-API-Token` header, and reads people by following `_links.next.href` from
`_embedded["osdi:people"]`, or by counting `?page=` as Parsons' connector does, with
`filter=modified_date gt '...'` for what changed. Plain urllib over real HTTP to the live server.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from api.models import ApiKey
from members.models import Member
from tests.api.helpers import make_key


class ActionNetworkClient:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url, self.api_key = base_url, api_key

    def request(self, url: str, data: dict | None = None) -> dict:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
        request.add_header("OSDI-API-Token", self.api_key)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def entry_point(self) -> dict:
        return self.request(self.base_url)

    def add_person(self, email: str, given_name: str, family_name: str, postal_code: str, phone: str = "",
                   tags: list[str] | None = None, subscribed: bool = True) -> dict:  # fmt: skip
        person = {
            "family_name": family_name,
            "given_name": given_name,
            "postal_addresses": [{"postal_code": postal_code}],
            "email_addresses": [{"address": email, "status": "subscribed" if subscribed else "unsubscribed"}],
        }
        if phone:
            person["phone_numbers"] = [{"number": phone}]
        helper = self.entry_point()["_links"]["osdi:person_signup_helper"]["href"]
        return self.request(helper, {"person": person, "add_tags": tags or []})

    def people(self, filter: str | None = None):
        url = self.entry_point()["_links"]["osdi:people"]["href"]
        if filter:
            url += "?" + urllib.parse.urlencode({"filter": filter})
        while url:
            page = self.request(url)
            yield from page["_embedded"]["osdi:people"]
            url = page["_links"].get("next", {}).get("href")

    def people_by_page_number(self, per_page: int = 25):
        url = self.entry_point()["_links"]["osdi:people"]["href"]
        page = 1
        while True:
            items = self.request(f"{url}?page={page}&per_page={per_page}")["_embedded"]["osdi:people"]
            if not items:
                return
            yield from items
            page += 1


@pytest.fixture
def client_for(live_server, coordinator_a, chapter_a):
    key, token = make_key(coordinator_a, chapter_a, ApiKey.Scope.WRITE)
    return ActionNetworkClient(f"{live_server.url}/api/", token)


def test_action_network_client_signs_people_up_and_reads_them_back(client_for, chapter_a):
    an = client_for
    created = an.add_person("jsmith@mail.example", "John", "Smith", "29201", phone="18035550199",
                            tags=["volunteer", "member"])  # fmt: skip
    assert created["email_addresses"][0]["address"] == "jsmith@mail.example"
    assert created["custom_fields"]["chapter"] == "South Carolina Consents"
    for i in range(6):
        an.add_person(f"person{i}@mail.example", f"Given{i}", "Family", "29201")
    again = an.add_person("JSmith@mail.example", "Johnny", "Smith", "29201")  # updates, never duplicates
    assert again["identifiers"] == created["identifiers"]

    everyone = list(an.people())
    assert len(everyone) == 7
    assert {p["email_addresses"][0]["address"] for p in everyone} >= {"jsmith@mail.example", "person5@mail.example"}
    assert next(p for p in everyone if p["identifiers"] == created["identifiers"])["given_name"] == "Johnny"
    assert [p["identifiers"] for p in an.people_by_page_number(per_page=3)] == [p["identifiers"] for p in everyone]
    assert Member.objects.filter(chapter=chapter_a).count() == 7

    since = max(p["modified_date"] for p in everyone)
    an.add_person("person2@mail.example", "Changed", "Family", "29201")
    changed = list(an.people(filter=f"modified_date gt '{since}'"))
    assert [p["given_name"] for p in changed] == ["Changed"]


def test_action_network_client_gets_a_clear_refusal_with_a_wrong_key(live_server, db):
    an = ActionNetworkClient(f"{live_server.url}/api/", "coal_00000000_wrong")
    with pytest.raises(urllib.error.HTTPError) as refused:
        list(an.people())
    assert refused.value.code == 401
    assert "Unknown API key" in json.loads(refused.value.read())["error"]
