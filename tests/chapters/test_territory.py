import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError

from chapters.models import Chapter, County, State

Mode = Chapter.TerritoryMode


def counties(state: str, *names: str) -> list[County]:
    found = list(County.objects.filter(state=state, name__in=[f"{n} County" for n in names]))
    assert len(found) == len(names)
    return found


@pytest.fixture
def new_york(db) -> Chapter:
    return Chapter.objects.create(name="Red New York", slug="red-new-york", state=State.objects.get(code="NY"))


def test_whole_state_except_these_counties(new_york, national):
    excluded = counties("NY", "Bronx", "Kings", "New York", "Queens", "Richmond", "Nassau", "Westchester")
    new_york.set_territory(mode=Mode.EXCEPT, counties=excluded, by=national)

    assert new_york.counties.count() == County.objects.filter(state="NY").count() - 7
    assert not new_york.counties.filter(name="Kings County").exists()
    assert new_york.counties.filter(name="Erie County").exists()
    assert new_york.territory_in_words() == (
        "All of New York except Bronx County, Kings County, Nassau County, New York County, Queens County, "
        "Richmond County and Westchester County"
    )
    assert LogEntry.objects.filter(object_id=str(new_york.pk), user=national).exists()


def test_only_these_counties(new_york):
    new_york.set_territory(mode=Mode.ONLY, counties=counties("NY", "Erie", "Niagara"))
    assert set(new_york.counties.values_list("name", flat=True)) == {"Erie County", "Niagara County"}
    assert new_york.territory_in_words() == "In New York: Erie County and Niagara County"


def test_changing_the_territory_releases_counties_no_longer_held(new_york):
    new_york.set_territory(mode=Mode.WHOLE_STATE)
    new_york.set_territory(mode=Mode.ONLY, counties=counties("NY", "Erie"))
    assert new_york.counties.count() == 1
    assert County.objects.filter(state="NY").uncovered().count() == County.objects.filter(state="NY").count() - 1


def test_overlap_is_refused_with_each_clashing_county_and_nothing_saved(new_york):
    new_york.set_territory(mode=Mode.ONLY, counties=counties("NY", "Erie", "Niagara"))
    city = Chapter.objects.create(name="Blue Buffalo", slug="blue-buffalo", state=new_york.state)

    with pytest.raises(ValidationError) as error:
        city.set_territory(mode=Mode.ONLY, counties=counties("NY", "Erie", "Niagara", "Orleans"))

    assert error.value.messages == [
        "Erie County already belongs to Red New York.",
        "Niagara County already belongs to Red New York.",
    ]
    assert city.counties.count() == 0
    assert Chapter.objects.get(pk=city.pk).territory_mode == Mode.ONLY
    assert not city.territory_counties.exists()
    assert County.objects.get(state="NY", name="Orleans County").chapter is None


def test_counties_of_another_state_are_refused(new_york):
    with pytest.raises(ValidationError, match="Cook County, IL is not in New York"):
        new_york.set_territory(mode=Mode.ONLY, counties=counties("IL", "Cook"))
    assert new_york.counties.count() == 0


def test_uncovered_counties_of_a_state(new_york):
    new_york.set_territory(mode=Mode.EXCEPT, counties=counties("NY", "Kings", "Queens"))
    uncovered = County.objects.filter(state="NY").uncovered()
    assert set(uncovered.values_list("name", flat=True)) == {"Kings County", "Queens County"}
