import pytest
from django.urls import reverse

from chapters.models import Chapter, County, Officer, SocialPage, State
from tests.factories import chapter_inline_management, edit_version, make_coordinator, make_user


@pytest.fixture
def many_chapters(chapter_a, chapter_b, coordinator_a) -> list[Chapter]:
    """Twelve chapters with officers and social pages, so an N+1 on a changelist would show."""
    chapters = [chapter_a, chapter_b]
    for code in ["OH", "TX", "UT", "MT", "ID", "NV", "KS", "NE", "IA", "MO"]:
        state = State.objects.get(code=code)
        chapter = Chapter.objects.create(name=f"{state.name} Consents", slug=code.lower(), state=state)
        chapter.set_territory(mode=Chapter.TerritoryMode.WHOLE_STATE)
        make_coordinator(f"coord-{code.lower()}@example.org", chapter)
        SocialPage.objects.create(chapter=chapter, platform="x", url=f"https://x.example/{code}")
        chapters.append(chapter)
    return chapters


CHANGELISTS = ["chapter", "officer", "socialpage", "county", "state"]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_changelists_make_a_bounded_number_of_queries(
    client, national, many_chapters, model, django_assert_max_num_queries
):
    client.force_login(national)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(f"admin:chapters_{model}_changelist"))
    assert response.status_code == 200


def test_chapter_changelist_shows_onboarding_progress(client, national, many_chapters):
    chapter = many_chapters[0]
    chapter.question = "Would you really mind if California left?"
    chapter.save()
    client.force_login(national)
    html = client.get(reverse("admin:chapters_chapter_changelist")).content.decode()
    assert "1 of 5" in html  # South Carolina: question phrased, nothing else yet
    assert "0 of 5" in html


def test_uncovered_views_are_bounded(client, national, many_chapters, django_assert_max_num_queries):
    client.force_login(national)
    with django_assert_max_num_queries(8):
        summary = client.get(reverse("admin:chapters_chapter_uncovered"))
    assert "California" in summary.content.decode()
    with django_assert_max_num_queries(8):
        texas = client.get(reverse("admin:chapters_chapter_uncovered_state", args=["CA"]))
    assert "Los Angeles County" in texas.content.decode()


def test_change_page_shows_territory_checklist_and_links(client, national, chapter_a, django_assert_max_num_queries):
    chapter_a.set_territory(
        mode=Chapter.TerritoryMode.EXCEPT, counties=County.objects.filter(name="Richland County", state="SC")
    )
    client.force_login(national)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("admin:chapters_chapter_change", args=[chapter_a.pk]))
    html = response.content.decode()
    assert "All of South Carolina except Richland County" in html
    assert reverse("admin:chapters_chapter_uncovered_state", args=["SC"]) in html
    assert "A coordinator has logged in" in html
    # The picker renders only the chosen counties, never all 3,000.
    assert "Richland County" in html
    assert "Greenville County" not in html
    assert html.count("<option") < 200


def change_data(chapter: Chapter, **overrides) -> dict:
    data = {
        "name": chapter.name, "slug": chapter.slug, "state": chapter.state_id, "status": chapter.status,
        "description": "", "contact_email": "", "question": "", "territory_mode": chapter.territory_mode,
        "territory_counties": [], "call_weekday": "", "call_time": "", "call_timezone": "",
        **chapter_inline_management(),
        "edit_version": edit_version(chapter),
    }  # fmt: skip
    return data | overrides


def test_national_changes_territory_in_the_admin(client, national, chapter_a):
    client.force_login(national)
    greenville = County.objects.get(state="SC", name="Greenville County")
    response = client.post(
        reverse("admin:chapters_chapter_change", args=[chapter_a.pk]),
        change_data(chapter_a, territory_mode="except", territory_counties=[greenville.pk]),
    )
    assert response.status_code == 302
    greenville.refresh_from_db()
    assert greenville.chapter is None
    assert chapter_a.counties.count() == County.objects.filter(state="SC").count() - 1


def test_overlapping_territory_in_the_admin_names_the_clash(client, national, chapter_a):
    upstate = Chapter.objects.create(name="Upstate", slug="upstate", state=chapter_a.state)
    client.force_login(national)
    greenville = County.objects.get(state="SC", name="Greenville County")
    response = client.post(
        reverse("admin:chapters_chapter_change", args=[upstate.pk]),
        change_data(upstate, territory_mode="only", territory_counties=[greenville.pk]),
    )
    assert response.status_code == 200
    assert "Greenville County already belongs to South Carolina Consents." in response.content.decode()
    assert upstate.counties.count() == 0


def test_status_change_in_the_form_is_recorded(client, national, chapter_a):
    client.force_login(national)
    client.post(
        reverse("admin:chapters_chapter_change", args=[chapter_a.pk]),
        change_data(chapter_a, status="dormant", territory_mode="whole_state"),
    )
    change = chapter_a.status_changes.get()
    assert (change.from_status, change.to_status, change.changed_by) == ("active", "dormant", national)


def test_bad_time_zone_is_explained_next_to_the_field(client, coordinator_a, chapter_a):
    client.force_login(coordinator_a)
    data = change_data(chapter_a, call_weekday="1", call_time="19:30", call_timezone="Mars/Olympus")
    response = client.post(reverse("admin:chapters_chapter_change", args=[chapter_a.pk]), data)
    assert response.status_code == 200
    assert "is not a time zone name" in response.content.decode()
    chapter_a.refresh_from_db()
    assert chapter_a.call_weekday is None


def test_coordinator_sets_the_weekly_call_and_a_social_page(client, coordinator_a, chapter_a):
    client.force_login(coordinator_a)
    data = change_data(chapter_a, call_weekday="1", call_time="19:30", call_timezone="America/New_York",
                       question="Would you be upset if California left the Union?")  # fmt: skip
    data |= {"social_pages-TOTAL_FORMS": "1", "social_pages-0-platform": "facebook",
             "social_pages-0-url": "https://facebook.example/scc"}  # fmt: skip
    response = client.post(reverse("admin:chapters_chapter_change", args=[chapter_a.pk]), data)
    assert response.status_code == 302
    chapter_a.refresh_from_db()
    assert chapter_a.call_timezone == "America/New_York"
    assert chapter_a.social_pages.get().url == "https://facebook.example/scc"
    assert dict(chapter_a.onboarding_checklist())["The weekly call is set"]
    assert Officer.objects.filter(chapter=chapter_a).count() == 1


def test_change_page_of_a_busy_chapter_is_bounded(client, coordinator_a, national, django_assert_max_num_queries):
    chapter = Officer.objects.get(user=coordinator_a).chapter
    for n in range(12):
        officer = make_user(f"officer{n}@example.org", first_name=f"Officer{n}")
        Officer.objects.create(user=officer, chapter=chapter, role=Officer.Role.OFFICER, title=f"Organiser {n}")
        SocialPage.objects.create(chapter=chapter, platform="other", url=f"https://social.example/{n}")
        chapter.change_status("dormant" if n % 2 else "active", by=national)
    for user in (national, coordinator_a):
        client.force_login(user)
        # National coordinators edit officers through autocomplete widgets, which look up their one
        # chosen user each (13 rows here); everything else is a fixed number of queries.
        with django_assert_max_num_queries(30 if user == national else 20):
            response = client.get(reverse("admin:chapters_chapter_change", args=[chapter.pk]))
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("name", "South Carolina\nConsents", "U+000A"),
        ("question", "Would you mind\x1b[2J?", "U+001B"),
        ("description", "Ring the bell\x07", "U+0007"),
        ("social_pages-0-url", "https://facebook.example/sc\x1b", "U+001B"),
    ],
)
def test_chapter_text_with_control_characters_is_refused_by_the_admin(client, national, chapter_a, field, value, shown):
    client.force_login(national)
    data = change_data(chapter_a, territory_mode="whole_state")
    data |= {"social_pages-TOTAL_FORMS": "1", "social_pages-0-platform": "facebook",
             "social_pages-0-url": "https://facebook.example/sc", field: value}  # fmt: skip
    response = client.post(reverse("admin:chapters_chapter_change", args=[chapter_a.pk]), data)
    assert response.status_code == 200
    assert f"Remove the invisible control characters ({shown})" in response.content.decode()
    chapter_a.refresh_from_db()
    assert chapter_a.name == "South Carolina Consents"
    assert not chapter_a.social_pages.exists()


def test_chapter_description_keeps_its_line_breaks_and_tabs(client, national, chapter_a):
    client.force_login(national)
    description = "We meet on Tuesdays.\r\n\r\n\tAll welcome."
    data = change_data(chapter_a, territory_mode="whole_state", description=description)
    response = client.post(reverse("admin:chapters_chapter_change", args=[chapter_a.pk]), data)
    assert response.status_code == 302
    chapter_a.refresh_from_db()
    assert chapter_a.description == description
