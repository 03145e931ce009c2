from django.core.management import call_command

from chapters.models import Chapter, SocialPage


def test_demo_chapters_have_questions_a_call_and_pages_once(db):
    call_command("load_demo")
    call_command("load_demo")
    south_carolina = Chapter.objects.get(slug="south-carolina")
    assert south_carolina.question == "Would you really mind if California left?"
    assert south_carolina.call_timezone == "America/New_York"
    # One page per chapter and platform, however often the demo is loaded.
    assert (
        SocialPage.objects.filter(chapter__slug__in=["south-carolina", "red-new-york"], platform="facebook").count()
        == 2
    )
    assert Chapter.objects.get(slug="red-new-york").territory_mode == Chapter.TerritoryMode.EXCEPT
