"""The dashboards' CSV downloads: stored text cannot start a row or a formula of its own."""

import csv
import datetime
import io

from chapters.models import Chapter, SocialPage
from dashboards.models import ReachSnapshot
from members.models import Member
from tests.factories import SC_ZIP, make_member


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_signup_sources_csv_neutralises_formulas_and_quotes_line_breaks(client, national, chapter_a):
    joined = make_member("a@example.net", SC_ZIP)
    # A ?ref= is anyone's to choose; the line break is a row stored before control characters were dropped.
    Member.objects.filter(pk=joined.pk).update(ref='=HYPERLINK("https://evil.example","x")\nforged,99')
    client.force_login(national)

    table = rows(client.get("/dashboard/?csv=sources"))

    assert table == [["source", "members"], ['\'=HYPERLINK("https://evil.example","x")\nforged,99', "1"]]


def test_reach_csv_neutralises_a_chapter_name_that_is_a_formula(client, national, chapter_a):
    Chapter.objects.filter(pk=chapter_a.pk).update(name="@SUM(1+1)\r\n2026-01-01,666")
    page = SocialPage.objects.create(chapter=chapter_a, platform="facebook", url="https://facebook.example/sc")
    ReachSnapshot.objects.create(social_page=page, date=datetime.date(2026, 1, 1), followers=100)
    client.force_login(national)

    table = rows(client.get("/dashboard/reach/?format=csv"))

    assert table == [["date", "'@SUM(1+1)\r\n2026-01-01,666"], ["2026-01-01", "100"]]
