"""The members changelist's rows are Django's own, and its page reads only the columns it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import CA_ZIP, SC_ZIP, WY_ZIP, make_member


@pytest.fixture
def members(chapter_a, chapter_b):
    make_member("ann.a@example.net", SC_ZIP, first_name="Ann", last_name="Avery", utm_source="flyer")
    make_member("odd@example.net", WY_ZIP, first_name='<b>"O&amp;',
                last_name="D'Ock", utm_source="<script>", status="imported")  # fmt: skip
    make_member("nameless@example.net", CA_ZIP, first_name="", last_name="", utm_source=" ")  # no chapter
    make_member("left@example.net", SC_ZIP, status="left")


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "example"}, {"q": "<b>", "status": "imported"}, {"chapter": "none", "o": "3.-2"}],
)
def test_each_row_links_to_its_member_and_can_be_selected(client, national, members, query):
    client.force_login(national)
    response = client.get("/admin/members/member/", query)
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert rows, "the test needs rows"
    html = response.content.decode()
    assert html.count('class="action-select"') == len(rows)
    for member in rows:
        assert f"/admin/members/member/{member.pk}/change/" in html
    # Names are text, never markup.
    assert '<b>"O' not in html
    assert "<script>" not in html.split("</head>", 1)[1].replace("<script src=", "")


def test_rows_keep_the_lists_filters_in_their_links(client, national, members):
    client.force_login(national)
    html = client.get("/admin/members/member/", {"q": "ann.a"}).content.decode()
    assert 'class="action-select" aria-label="Select this object for an action - Ann Avery"' in html
    assert "/change/?_changelist_filters=q%3Dann.a" in html


@pytest.mark.parametrize("query", [{}, {"q": "example"}, {"status": "active"}])
def test_the_page_reads_only_the_columns_it_shows(client, national, members, query):
    client.force_login(national)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/members/member/", query)
    assert response.status_code == 200
    rows = [q["sql"] for q in queries if '"members_member"."status"' in q["sql"] and "COUNT(" not in q["sql"]]
    assert len(rows) == 1
    assert '"members_member"."utm_medium"' not in rows[0]
    assert '"members_member"."phone"' not in rows[0].split(" WHERE ")[0]


def test_actions_get_whole_members(client, national, members):
    from members.models import Member

    ann = Member.objects.get(user__email="ann.a@example.net")
    client.force_login(national)
    response = client.post(
        "/admin/members/member/", {"action": "mark_left", "_selected_action": [ann.pk], "q": "ann.a"}
    )
    assert response.status_code == 302
    ann.refresh_from_db()
    assert ann.status == Member.Status.LEFT
