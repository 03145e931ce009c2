from django.core.management import call_command

from chapters.models import Chapter, SocialPage


def test_demo_chapters_have_questions_a_call_and_pages_once(db):
    call_command("load_demo")
    call_command("load_demo")
    south_carolina = Chapter.objects.get(slug="south-carolina")
    assert south_carolina.question == "Would you really mind if California left?"
    assert south_carolina.call_timezone == "America/New_York"
    assert SocialPage.objects.filter(url__startswith="https://www.facebook.com/example-").count() == 2
    assert Chapter.objects.get(slug="red-new-york").territory_mode == Chapter.TerritoryMode.EXCEPT
