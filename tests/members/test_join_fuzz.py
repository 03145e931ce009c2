"""Joining at /join/ and /join/<state>/ with hostile input: no 500, a reason on the page, nothing half-written."""

import unicodedata
from urllib.parse import quote

from allauth.account.models import EmailAddress
from hypothesis import event, example, given
from hypothesis import strategies as st

from members.forms import SOURCE_FIELDS
from members.models import ConsentRecord, Member, MembershipEvent, User
from tests.factories import CA_ZIP, PASSWORD, SC_ZIP
from tests.fuzz import as_received, assert_errors_shown, get_query, hostile_text, post_form, rolled_back

VALID = {
    "first_name": "Jo", "last_name": "Newcomb", "email": "jo@example.net", "password1": PASSWORD,
    "zip_code": SC_ZIP, "county": "", "phone": "", "email_updates": "on", "text_messages": "",
}  # fmt: skip


@st.composite
def join_data(draw) -> dict[str, str]:
    """A valid join form with one or two fields replaced by hostile text (so some are accepted)."""
    data = dict(VALID)
    data["first_name"] = draw(st.sampled_from(["Jo", "Zoë", "  Anne-Marie  "]))
    data["email"] = draw(st.sampled_from(["jo@example.net", "Jo.Newcomb@Example.NET"]))
    data["zip_code"] = draw(st.sampled_from([SC_ZIP, CA_ZIP]))
    for name in draw(st.permutations(sorted(VALID)))[: draw(st.integers(1, 2))]:
        data[name] = draw(hostile_text())
    return data


source = st.dictionaries(st.sampled_from(SOURCE_FIELDS), hostile_text(), max_size=3)


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (User, Member, EmailAddress, ConsentRecord, MembershipEvent))


def kept_source(value: str) -> str:
    """The documented normalisation of ?ref= / utm_*: control characters dropped, trimmed, 100 characters."""
    text = "".join(c for c in as_received(value) if unicodedata.category(c) != "Cc")
    return text.strip()[:100]


@given(data=join_data(), query=source)
# Input that once gave a 500 or an error nobody could see, run every time:
@example(data=VALID | {"zip_code": "2920\x00"}, query={})
@example(data=VALID | {"county": " "}, query={})
@example(data=VALID, query={"ref": "news\x07letter", "utm_source": " \x1b[31m "})
@example(data=VALID | {"first_name": "Jo\x1b[2J"}, query={})
def test_join_with_hostile_input_refuses_clearly_or_stores_exactly(client, chapter_a, mailoutbox, data, query):
    with rolled_back():
        client.cookies.clear()
        before = counts()
        get_query(client, "/join/", query)
        response = post_form(client, "/join/", data)

        event(f"status {response.status_code}")
        if response.status_code != 302:
            assert response.status_code == 200
            assert_errors_shown(response, response.context["form"])
            assert counts() == before
            return
        user = User.objects.get(email__iexact=as_received(data["email"]).strip())
        assert user.email == as_received(data["email"]).strip().lower()
        assert user.first_name == as_received(data["first_name"]).strip()
        assert user.last_name == as_received(data["last_name"]).strip()
        member = Member.objects.get(user=user)
        assert member.zip_code_id == as_received(data["zip_code"]).strip()
        assert member.status == Member.Status.PENDING
        refused_query = any("\x00" in as_received(value) for value in query.values())  # a 400 page, nothing kept
        for name, value in query.items():
            assert getattr(member, name) == ("" if refused_query else kept_source(value))
        assert counts()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)


state_code = st.one_of(st.sampled_from(["sc", "SC", "wy", "zz", "s\x00", "\x00\x00", "ß", "ſc"]), hostile_text(4))


@given(code=state_code)
@example(code="s\x00")
def test_state_join_link_with_hostile_state_is_a_page_or_not_found(client, chapter_a, code):
    with rolled_back():
        response = client.get(f"/join/{quote(code.encode('utf-8', 'surrogatepass'), safe='')}/")
        # A NUL in the path is refused by NullCharacterMiddleware with its 400 page.
        assert response.status_code in (200, 404) or ("\x00" in code and response.status_code == 400)
        if response.status_code == 404:
            assert "not found" in response.content.decode().lower()
        if response.status_code == 400:
            assert "null character" in response.content.decode()
