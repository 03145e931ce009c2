"""The public chapter page: what the public may see of a chapter, and nothing personal."""

import datetime

import pytest

from chapters.models import Chapter, County, Officer, SocialPage
from dashboards.models import ReachSnapshot
from endorsements.models import Endorsement
from question.models import Answer
from tests.factories import make_member, make_user


@pytest.fixture
def busy_chapter(chapter_a, coordinator_a) -> Chapter:
    """Chapter A with several officers, social pages and listed counties, so an N+1 would show."""
    for n in range(8):
        user = make_user(f"officer{n}@example.org", first_name=f"Officer{n}", last_name="Smith")
        Officer.objects.create(user=user, chapter=chapter_a, role=Officer.Role.OFFICER, title=f"Organiser {n}")
    Officer.objects.create(
        user=make_user("former@example.org", first_name="Former", last_name="Officer"),
        chapter=chapter_a, title="Past treasurer", role=Officer.Role.OFFICER,
        term_start=datetime.date(2020, 1, 1), term_end=datetime.date(2021, 1, 1),
    )  # fmt: skip
    for platform in ["facebook", "x", "instagram", "youtube"]:
        SocialPage.objects.create(chapter=chapter_a, platform=platform, url=f"https://{platform}.example/scc")
    chapter_a.question = "Would you really mind if California left?"
    chapter_a.description = "Columbia to the coast."
    chapter_a.save()
    chapter_a.set_territory(mode=Chapter.TerritoryMode.EXCEPT, counties=County.objects.filter(state="SC")[:6])
    return chapter_a


def test_chapter_page_shows_counts_names_reach_answers_and_endorsements(client, chapter_a, chapter_b):
    shown = make_member("shown@example.org", "29401", first_name="Rosa", last_name="Quill", show_name_publicly=True,
                        phone="+18035550123")  # fmt: skip
    make_member("hidden@example.org", "29401", first_name="Hidden", last_name="Person")
    make_member("pending@example.org", "29401", status="pending", first_name="Pen", last_name="Ding")
    page = SocialPage.objects.create(chapter=chapter_a, platform="facebook", url="https://facebook.example/sc")
    ReachSnapshot.objects.create(social_page=page, date=datetime.date(2026, 1, 1), followers=100)
    ReachSnapshot.objects.create(social_page=page, date=datetime.date(2026, 2, 1), followers=2345)
    Answer.objects.create(choice="yes", state_id="SC", visitor="a")
    Answer.objects.create(choice="no", state_id="SC", visitor="b")
    Answer.objects.create(choice="no", state_id="WY", visitor="c")
    Endorsement.objects.create(
        kind="candidate", name="Pat Example", office="Candidate for US Senate", state_id="SC",
        statement="States should consent.", source_url="https://example.org/s", made_on=datetime.date(2026, 1, 5),
        contact_email="pat@example.org", status="published", verification_method="call", verification_note="Called.",
        verified_at=datetime.datetime(2026, 1, 6, tzinfo=datetime.UTC),
        published_at=datetime.datetime(2026, 1, 7, tzinfo=datetime.UTC), slug="pat-example",
    )  # fmt: skip

    html = client.get("/chapters/south-carolina/").content.decode()
    assert "<strong>2</strong> members" in html  # active members; the pending one is not counted
    assert "Rosa Q." in html
    assert "Hidden" not in html
    assert "Quill" not in html
    assert "2,345 followers" in html
    assert "South Carolina</strong> · 2 answers" in html
    assert "Pat Example" in html
    assert 'href="/join/sc/"' in html
    for private in ("shown@example.org", "hidden@example.org", "pat@example.org", "8035550123", "29401"):
        assert private not in html
    assert shown.phone


def test_chapter_page_names_the_newest_public_members_in_name_order(
    client, chapter_a, monkeypatch, django_assert_max_num_queries
):
    from public import views

    monkeypatch.setattr(views.chapter_public_members, "__defaults__", (3,))
    for i, last in enumerate(["Young", "Adams", "Mills", "Brown", "Zorn"]):
        make_member(f"p{i}@example.org", "29401", first_name=f"Pat{i}", last_name=last, show_name_publicly=True)
    with django_assert_max_num_queries(30):  # cold caches: count, answers and the visitors' copy computed and stored
        html = client.get("/chapters/south-carolina/").content.decode()
    client.cookies["sessionid"] = "none"
    with django_assert_max_num_queries(12):  # warm caches, rendered for a request with a cookie
        client.get("/chapters/south-carolina/")
    names = html.split("Some of our members")[1].split("</p>")[0]
    # The three newest (Mills, Brown, Zorn), alphabetically; not the first three of the alphabet.
    assert names.index("Pat3 B.") < names.index("Pat2 M.") < names.index("Pat4 Z.")
    assert "Adams" not in names
    assert "Pat1 A." not in names


@pytest.mark.parametrize("status", ["left", "pending"])
def test_chapter_page_does_not_name_a_member_who_opted_in_but_does_not_count(client, chapter_a, status):
    make_member("shown@example.org", "29401", first_name="Rosa", last_name="Quill", show_name_publicly=True)
    make_member("opted@example.org", "29401", status=status, first_name="Olga", last_name="Opted",
                show_name_publicly=True)  # fmt: skip

    html = client.get("/chapters/south-carolina/").content.decode()
    assert "Rosa Q." in html  # the names are on the page: the other one is left out, not the whole list
    assert "Olga" not in html
    assert "<strong>1</strong> member" in html


def test_chapter_page_shows_officers_by_name_and_title_only(client, busy_chapter, django_assert_max_num_queries):
    client.get(f"/chapters/{busy_chapter.slug}/")  # warm the cached member count and answers
    with django_assert_max_num_queries(12):
        response = client.get("/chapters/south-carolina/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Officer3 Smith, Organiser 3" in html
    assert "Coordinator SC, State coordinator" in html
    assert "Former Officer" not in html
    assert "@example.org" not in html  # no officer's email, ever
    assert "Would you really mind if California left?" in html
    assert "All of South Carolina except" in html
    assert 'href="https://youtube.example/scc"' in html
    assert "Active" in html


def test_unknown_chapter_page_is_404(client, db):
    assert client.get("/chapters/atlantis/").status_code == 404
