"""coalition/admin_list.py writes the changelist's rows exactly as Django's own result_list does."""

import pytest
from django.template import Context, Template

from tests.factories import CA_ZIP, SC_ZIP, WY_ZIP, make_member

DJANGO = Template("{% load admin_list %}{% result_list cl %}")
FAST = Template("{% load fast_admin_list %}{% fast_result_list cl %}")


@pytest.fixture
def members(chapter_a, chapter_b):
    make_member("ann.a@example.net", SC_ZIP, first_name="Ann", last_name="Avery", utm_source="flyer")
    make_member("odd@example.net", WY_ZIP, first_name='<b>"O&amp;',
                last_name="D'Ock", utm_source="<script>", status="imported")  # fmt: skip
    make_member("nameless@example.net", CA_ZIP, first_name="", last_name="", utm_source=" ")  # no chapter
    make_member("left@example.net", SC_ZIP, status="left")


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "example"},
        {"q": "<b>", "status": "imported"},
        {"chapter": "none", "o": "3.-2"},
        {"_popup": "1", "_to_field": "id"},
    ],
)
def test_fast_rows_are_djangos_rows(client, national, members, query):
    client.force_login(national)
    response = client.get("/admin/members/member/", query)
    assert response.status_code == 200
    cl = response.context["cl"]
    assert cl.result_list, "the test needs rows"
    context = {"cl": cl, "opts": cl.opts}
    expected = DJANGO.render(Context(context))
    assert FAST.render(Context(context)) == expected
    assert expected.count("<tr>") == len(cl.result_list) + 1


def test_the_members_changelist_uses_the_fast_rows(client, national, members):
    client.force_login(national)
    html = client.get("/admin/members/member/", {"q": "ann.a"}).content.decode()
    assert 'class="action-select" aria-label="Select this object for an action - Ann Avery"' in html
    assert "/change/?_changelist_filters=q%3Dann.a" in html
