"""The public chapter page: what the public may see of a chapter, and nothing personal."""

import datetime

from chapters.models import SocialPage
from dashboards.models import ReachSnapshot
from endorsements.models import Endorsement
from question.models import Answer
from tests.members.conftest import make_member


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
