"""The public chapter page: what the public may see of a chapter, and nothing personal."""

import datetime

from chapters.models import SocialPage
from coalition.models import Answer, ReachSnapshot
from endorsements.models import Endorsement
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
