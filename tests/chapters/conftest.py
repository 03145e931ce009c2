import pytest

from chapters.models import Officer, SocialPage


@pytest.fixture
def chapter_rows(chapter_a, chapter_b, coordinator_a, coordinator_b) -> dict:
    """One row of each chapters model per chapter, keyed by what the matrix names them."""
    return {
        "chapter_a": chapter_a,
        "chapter_b": chapter_b,
        "officer_a": Officer.objects.get(chapter=chapter_a),
        "officer_b": Officer.objects.get(chapter=chapter_b),
        "social_a": SocialPage.objects.create(chapter=chapter_a, platform="facebook", url="https://fb.example/sc"),
        "social_b": SocialPage.objects.create(chapter=chapter_b, platform="facebook", url="https://fb.example/wy"),
    }
