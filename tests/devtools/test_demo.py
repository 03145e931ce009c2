from django.core.management import call_command

from chapters.models import Chapter, County, Officer
from members.models import Member, MembershipEvent, User


def chapter_counts() -> dict:
    return {
        "chapters": Chapter.objects.count(),
        "users": User.objects.count(),
        "officers": Officer.objects.count(),
        "covered_counties": County.objects.filter(chapter__isnull=False).count(),
        "members": Member.objects.count(),
        "counted_in_chapters": Member.objects.counted().filter(chapter__isnull=False).count(),
        "events": MembershipEvent.objects.count(),
    }


def test_demo_data_loads_twice_without_duplicates(db, capsys):
    call_command("load_demo")
    first = chapter_counts()
    call_command("load_demo")
    assert chapter_counts() == first
    assert first["chapters"] == 11
    assert first["users"] == 3 + 39  # the demo logins and the fictional members of devtools/demo/members.py
    assert first["members"] == 40  # those 39 and the demo member login
    assert first["counted_in_chapters"] > first["members"] - 10
    assert "national@example.org" in capsys.readouterr().out


def test_demo_chapters_hold_the_sub_state_territories(db):
    call_command("load_demo")
    red_new_york = Chapter.objects.get(slug="red-new-york")
    names = set(red_new_york.counties.values_list("name", flat=True))
    assert "Erie County" in names
    assert not names & {"Kings County", "Bronx County", "New York County", "Nassau County", "Westchester County"}
    red_oregon = Chapter.objects.get(slug="red-oregon")
    assert red_oregon.counties.filter(name="Harney County").exists()
    assert not red_oregon.counties.filter(name="Multnomah County").exists()
    assert Chapter.objects.get(slug="indiana").counties.count() == County.objects.filter(state="IN").count()
