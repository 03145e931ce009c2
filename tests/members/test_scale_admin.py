"""The members changelist at scale: estimated counts and a search an index serves."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lib import pagination
from members.admin import search_members
from members.models import Member
from tests.factories import SC_ZIP, WY_ZIP, make_member


@pytest.fixture
def members(chapter_a, chapter_b) -> list[Member]:
    made = [make_member(f"pat{i}.jones{i}@example.net", SC_ZIP) for i in range(5)]
    made += [make_member(f"sam{i}.smith{i}@example.com", WY_ZIP, last_name="Smith") for i in range(5)]
    return made


def member_counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and '"members_member"' in q["sql"]]


def test_search_by_email_fragment_uses_the_trigram_index(members):
    queryset = search_members(Member.objects.all(), "t3.jones3@exa")
    assert [m.user.email for m in queryset] == ["pat3.jones3@example.net"]
    with connection.cursor() as cursor:
        # A tiny table is read whole when that is cheaper; forbid it to see the index is usable.
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        plan = queryset.explain()
    assert "user_email_trgm_idx" in plan


def test_search_words_each_match_a_name_email_or_zip(members):
    assert search_members(Member.objects.all(), "smith").count() == 5
    assert search_members(Member.objects.all(), "smith sam2").count() == 1
    assert search_members(Member.objects.all(), WY_ZIP[:3]).count() == 5
    assert search_members(Member.objects.all(), "nobody-here").count() == 0


def test_unfiltered_changelist_counts_from_statistics(client, national, members, monkeypatch):
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")
    client.force_login(national)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/members/member/")
    assert response.status_code == 200
    assert member_counts(queries) == []
    assert "pat0.jones0@example.net" in response.content.decode()


def test_filtered_changelist_counts_exactly(client, national, members, chapter_b, monkeypatch):
    monkeypatch.setattr(pagination, "ESTIMATE_ABOVE", 0)
    client.force_login(national)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/members/member/", {"chapter": chapter_b.pk})
    assert response.status_code == 200
    # One exact count of the filtered rows, none of the whole table (show_full_result_count is off).
    assert len(member_counts(queries)) == 1
    assert "5 members" in response.content.decode()


@pytest.mark.parametrize("params", [{"chapter": "wyoming"}, {"q": "smith"}])
def test_long_filtered_or_searched_lists_are_counted_only_up_to_a_cap(
    client, national, members, chapter_b, monkeypatch, params, django_assert_max_num_queries
):
    monkeypatch.setattr(pagination, "COUNT_UP_TO", 3)
    if params.get("chapter"):
        params = {"chapter": chapter_b.pk}
    client.force_login(national)
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(16):
        response = client.get("/admin/members/member/", params)
    html = response.content.decode()
    assert response.status_code == 200
    # The five Wyoming Smiths are counted as far as a fourth, then estimated; never in full.
    counts = member_counts(queries)
    assert len(counts) == 1
    assert "LIMIT 4" in counts[0]
    assert "5 members" not in html
    assert re.search(r"(more than 3|about [\d,]+) members", html)
    assert len(response.context["cl"].result_list) == 5  # all five listed on the first page


def test_short_searches_are_counted_exactly(client, national, members):
    client.force_login(national)
    response = client.get("/admin/members/member/", {"q": "sam2"})
    html = response.content.decode()
    assert "1 result " in html
    assert "1 member" in html
    assert "Export CSV (1)" in html


@pytest.mark.parametrize(
    "params",
    [{"q": "smith"}, {"q": "smith", "p": "2"}, {"q": "example", "o": "-2"}, {"q": "smith", "all": ""},
     {"q": "example", "chapter": "wyoming"}, {"q": "nobody-here"}, {"q": "example", "o": "-3.-2"},
     {"q": "example", "o": "7"}],
)  # fmt: skip
def test_searches_paged_by_matching_ids_show_what_django_shows(
    client, national, members, chapter_b, monkeypatch, params
):
    from members import admin as members_admin

    if params.get("chapter"):
        params = {**params, "chapter": chapter_b.pk}
    monkeypatch.setattr(members_admin.MemberAdmin, "list_per_page", 3)
    client.force_login(national)

    def page():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/members/member/", params)
        assert response.status_code == 200
        cl = response.context["cl"]
        shown = [m.pk for m in cl.result_list], cl.result_count, cl.multi_page, cl.can_show_all
        return shown, response.content.decode().count('class="action-select"'), member_counts(queries.captured_queries)

    by_ids = page()
    # Django's own way: the search itself counted and paged.
    monkeypatch.setattr(
        members_admin.MemberAdmin,
        "get_search_results",
        lambda self, request, qs, term: (search_members(qs, term), False),
    )
    by_django = page()
    assert by_ids[:2] == by_django[:2]
    assert all('"members_member"."id" IN (' in count for count in by_ids[2])  # counted by primary key


def test_a_page_past_the_end_of_a_search_is_refused_as_django_does(client, national, members, monkeypatch):
    from members import admin as members_admin

    monkeypatch.setattr(members_admin.MemberAdmin, "list_per_page", 2)
    client.force_login(national)
    response = client.get("/admin/members/member/", {"q": "smith", "p": "99"})
    assert response.status_code == 302
    assert "e=1" in response.url


@pytest.mark.parametrize("page", ["1", "2"])  # estimated at 4: two pages
def test_a_broad_search_pages_by_ids_in_order(client, national, members, monkeypatch, page):
    from members import admin as members_admin

    monkeypatch.setattr(pagination, "COUNT_UP_TO", 3)  # "smith" (5) is broad: counted to 4, then estimated
    monkeypatch.setattr(members_admin.MemberAdmin, "list_per_page", 2)
    client.force_login(national)
    response = client.get("/admin/members/member/", {"q": "smith", "p": page})
    assert response.status_code == 200
    smiths = sorted((m.pk for m in members if "smith" in m.user.email), reverse=True)
    shown = [m.pk for m in response.context["cl"].result_list]
    start = (int(page) - 1) * 2
    assert shown == smiths[start : start + 2]
    assert response.content.decode().count('class="action-select"') == len(shown)


def test_members_admin_pages_queries_are_bounded(client, national, members, django_assert_max_num_queries):
    client.force_login(national)
    for params in ({}, {"q": "jones3"}, {"q": "smith"}, {"status": "active"}):
        with django_assert_max_num_queries(12):  # 11, and the segments the "in segment" filter offers
            assert client.get("/admin/members/member/", params).status_code == 200
    # 10, the content types' cache filled, and the tags inline: its rows, and the tags a new row offers.
    with django_assert_max_num_queries(13):
        assert client.get(f"/admin/members/member/{members[0].pk}/change/").status_code == 200
