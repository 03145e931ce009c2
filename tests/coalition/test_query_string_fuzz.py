"""Hostile query strings on public pages and admin lists: a page, a redirect or a 400 that says why; never a 500."""

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
