"""Hostile query strings and cookies on public pages and admin lists: a page, a redirect or a 400; never a 500."""

from hypothesis import event, example, given
from hypothesis import strategies as st

from tests.fuzz import as_received, get_query, hostile_text, page_text, rolled_back

PUBLIC = ["/", "/chapters/", "/chapters/find/", "/endorsements/", "/calls/", "/question/", "/join/"]
STAFF = ["/admin/members/member/", "/admin/endorsements/endorsement/", "/admin/chapters/chapter/", "/dashboard/"]
# Parameters these pages read: searches, filters, ordering, pagination.
PARAMETERS = ["q", "p", "o", "page", "zip", "state", "kind", "chapter", "ref", "utm_source", "status__exact",
              "chapter__id__exact", "state__code__exact", "featured__exact", "all", "_changelist_filters"]  # fmt: skip

query = st.dictionaries(st.one_of(st.sampled_from(PARAMETERS), hostile_text(10)), hostile_text(60), max_size=3)


@given(path=st.sampled_from(PUBLIC + STAFF), params=query)
@example(path="/admin/members/member/", params={"utm_source": "\x00"})  # once a 500 (DataError)
@example(path="/admin/members/member/", params={"status__exact": "a\x00"})  # once a 500 (DataError)
def test_hostile_query_string_gets_a_page_not_a_500(client, national, chapter_a, path, params):
    with rolled_back():
        client.force_login(national)
        response = get_query(client, path, params)
        event(f"status {response.status_code}")
        received = [as_received(text) for pair in params.items() for text in pair]
        if any("\x00" in text for text in received):
            assert response.status_code == 400
            assert "null character" in page_text(response)
        else:
            assert response.status_code in (200, 302, 400, 404)


def quoted_cookie(value: str) -> str:
    """A cookie value as a quoted string, control characters spelled in octal, as RFC 2109 allows.

    Returned as WSGI hands headers over: the UTF-8 bytes, each read as one Latin-1 character.
    """
    value = value.encode("utf-8", "surrogatepass").decode("latin-1")
    return '"' + "".join(f"\\{ord(c):03o}" if ord(c) < 32 or c in '"\\;' else c for c in value) + '"'


cookie_value = st.one_of(hostile_text(40), st.text(st.characters(max_codepoint=0x7F), max_size=40))


@given(path=st.sampled_from(PUBLIC), name=st.sampled_from(["sessionid", "csrftoken", "coalition_visitor"]),
       value=cookie_value)  # fmt: skip
@example(path="/", name="sessionid", value="abcdefghij\x00k")  # once a 500 on every page (DataError)
def test_hostile_cookie_is_ignored_not_a_500(client, db, path, name, value):
    with rolled_back():
        response = client.get(path, HTTP_COOKIE=f"{name}={quoted_cookie(value)}")
        assert response.status_code in (200, 302)
