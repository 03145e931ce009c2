"""Find your chapter (/chapters/find/?zip=...) with hostile query strings: always a page that says what to do."""

import re

from hypothesis import event, given
from hypothesis import strategies as st

from chapters.models import County, ZipCode
from tests.fuzz import as_received, assert_errors_shown, get_query, hostile_text, page_text, rolled_back

ZIPS = ["29201", "29201-1234", " 82001 ", "90210", "00000", "2920", "292011"]


@st.composite
def find_query(draw) -> dict[str, str]:
    query = {"zip": draw(st.one_of(st.sampled_from(ZIPS), hostile_text(40)))}
    if draw(st.booleans()):
        query["county"] = draw(st.one_of(st.sampled_from(["45079", "45063", ""]), hostile_text(20)))
    if draw(st.booleans()):
        query[draw(hostile_text(10))] = draw(hostile_text(20))
    return query


@given(query=find_query())
def test_find_chapter_with_hostile_query_answers_with_a_page(client, chapter_a, chapter_b, query):
    with rolled_back():
        response = get_query(client, "/chapters/find/", query)
        event(f"status {response.status_code}")
        if any("\x00" in as_received(text) for pair in query.items() for text in pair):
            assert response.status_code == 400
            assert "null character" in page_text(response)
            return
        if response.status_code == 302:
            assert re.fullmatch(r"/chapters/[-a-z]+/", response["Location"])
            code = as_received(query["zip"]).strip()[:5]
            assert re.fullmatch(r"[0-9]{5}", code)
            assert ZipCode.objects.filter(code=code).exists()
            return
        assert response.status_code == 200
        form = response.context.get("form")
        if form is not None and not form.is_valid():
            assert_errors_shown(response, form)
        else:  # the ZIP was understood: pick a county, or no chapter here yet
            assert County.objects.for_zip(response.context["zip"]).exists()
            used = {template.name for template in response.templates}
            assert used & {"chapters/chapter_pick_county.html", "chapters/chapter_none_here.html"}
