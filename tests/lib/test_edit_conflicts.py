"""Two coordinators editing the same record at once: the later save is refused and shown
again with who changed what; saving again keeps both people's changes (lib/edit_conflicts.py)."""

import threading

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chapters.models import Chapter
from endorsements.models import Endorsement
from members.models import Member
from tests.factories import make_endorsement, make_member


def open_form(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return response


def as_submitted(response, **changes) -> dict:
    """What the browser posts from a rendered (admin) form page, with `changes` typed in."""
    context = response.context
    if "adminform" in context:
        forms = [context["adminform"].form]
        for inline in context["inline_admin_formsets"]:
            forms += [inline.formset.management_form, *inline.formset.forms]
    else:
        forms = [context["form"]]
    data = {}
    for form in forms:
        for name in form.fields:
            keys = [form[name].html_name]
            if form.fields[name].show_hidden_initial:  # fields with callable defaults post their initial too
                keys.append(form[name].html_initial_name)
            value = form[name].value()
            for key in keys:
                if isinstance(value, bool):
                    if value:
                        data[key] = "on"
                elif isinstance(value, list | tuple):
                    data[key] = [str(item) for item in value]
                elif value is not None:
                    data[key] = str(value)
    return data | changes


def chapter_url(chapter: Chapter) -> str:
    return reverse("admin:chapters_chapter_change", args=[chapter.pk])


def history(obj) -> list[tuple[str, str]]:
    entries = LogEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return [(entry.user.email, entry.get_change_message()) for entry in entries.order_by("action_time")]


def test_second_coordinator_is_told_who_changed_the_chapter_and_nothing_is_overwritten(
    client, national, coordinator_a, chapter_a
):
    other = Client()
    client.force_login(national)
    other.force_login(coordinator_a)
    national_page = open_form(client, chapter_url(chapter_a))
    coordinator_page = open_form(other, chapter_url(chapter_a))

    saved = client.post(chapter_url(chapter_a), as_submitted(national_page, description="From the national office."))
    assert saved.status_code == 302
    refused = other.post(
        chapter_url(chapter_a), as_submitted(coordinator_page, question="Would you mind if California left?")
    )

    assert refused.status_code == 200
    html = refused.content.decode()
    when = timezone.localtime(LogEntry.objects.filter(user=national).latest("action_time").action_time)
    assert f"This chapter was changed by Nat Ional at {when:%H:%M} while you were editing" in html
    assert "review their changes and save again" in html
    chapter_a.refresh_from_db()
    assert chapter_a.description == "From the national office."
    assert chapter_a.question == ""

    # The form now holds their description (a field only they changed) next to the coordinator's question.
    form = refused.context["adminform"].form
    assert form["description"].value() == "From the national office."
    assert form["question"].value() == "Would you mind if California left?"
    assert "Changed meanwhile by Nat Ional" in html

    again = other.post(chapter_url(chapter_a), as_submitted(refused))
    assert again.status_code == 302
    chapter_a.refresh_from_db()
    assert chapter_a.description == "From the national office."
    assert chapter_a.question == "Would you mind if California left?"
    assert history(chapter_a)[-2:] == [
        ("nat@example.org", "Changed Description."),
        ("coord-a@example.org", "Changed Question."),
    ]


def test_a_field_both_changed_keeps_yours_in_the_form_and_shows_theirs(client, national, coordinator_a, chapter_a):
    other = Client()
    client.force_login(national)
    other.force_login(coordinator_a)
    national_page = open_form(client, chapter_url(chapter_a))
    coordinator_page = open_form(other, chapter_url(chapter_a))
    client.post(chapter_url(chapter_a), as_submitted(national_page, question="National wording?"))

    refused = other.post(chapter_url(chapter_a), as_submitted(coordinator_page, question="Our wording?"))

    assert refused.status_code == 200
    assert refused.context["adminform"].form["question"].value() == "Our wording?"
    assert "Saved meanwhile by Nat Ional: “National wording?”" in refused.content.decode()
    chapter_a.refresh_from_db()
    assert chapter_a.question == "National wording?"
    # Saving again is the coordinator's decision, taken with the national wording in view.
    assert other.post(chapter_url(chapter_a), as_submitted(refused)).status_code == 302
    chapter_a.refresh_from_db()
    assert chapter_a.question == "Our wording?"


def test_text_the_browser_posts_with_crlf_counts_as_unchanged(client, national, coordinator_a, chapter_a):
    chapter_a.description = "Line one.\nLine two."
    chapter_a.save()
    other = Client()
    client.force_login(national)
    other.force_login(coordinator_a)
    url = chapter_url(chapter_a)
    national_page, coordinator_page = open_form(client, url), open_form(other, url)
    other.post(chapter_url(chapter_a), as_submitted(coordinator_page, description="Rewritten by the chapter."))

    # Browsers send text areas with CRLF line ends: the national did not touch the description.
    data = as_submitted(national_page, contact_email="hello@sc.example.org", description="Line one.\r\nLine two.")
    refused = client.post(chapter_url(chapter_a), data)
    assert refused.context["adminform"].form["description"].value() == "Rewritten by the chapter."
    assert client.post(chapter_url(chapter_a), as_submitted(refused)).status_code == 302
    chapter_a.refresh_from_db()
    assert (chapter_a.description, chapter_a.contact_email) == ("Rewritten by the chapter.", "hello@sc.example.org")


def test_status_changed_by_a_list_action_is_not_undone_by_an_open_form(client, national, chapter_a):
    """A change made outside the form (here by the "mark dormant" action) is detected and merged too."""
    client.force_login(national)
    page = open_form(client, chapter_url(chapter_a))
    chapter_a.change_status(Chapter.Status.DORMANT, by=national)

    refused = client.post(chapter_url(chapter_a), as_submitted(page, description="New words."))
    assert refused.status_code == 200
    assert "This chapter was changed by Nat Ional" in refused.content.decode()
    assert refused.context["adminform"].form["status"].value() == "dormant"
    assert client.post(chapter_url(chapter_a), as_submitted(refused)).status_code == 302
    chapter_a.refresh_from_db()
    assert (chapter_a.status, chapter_a.description) == ("dormant", "New words.")


def test_territory_counties_changed_meanwhile_are_merged(client, national, chapter_a):
    from chapters.models import County

    client.force_login(national)
    page = open_form(client, chapter_url(chapter_a))
    greenville = County.objects.get(state="SC", name="Greenville County")
    chapter_a.set_territory(mode=Chapter.TerritoryMode.EXCEPT, counties=[greenville], by=national)

    refused = client.post(chapter_url(chapter_a), as_submitted(page, description="New words."))
    assert refused.status_code == 200
    assert client.post(chapter_url(chapter_a), as_submitted(refused)).status_code == 302
    chapter_a.refresh_from_db()
    assert chapter_a.territory_in_words() == "All of South Carolina except Greenville County"
    assert chapter_a.description == "New words."


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "1:2:zz", "9999999999:1:", "-1:5:"],
    ids=["missing", "junk", "bad-prints", "big", "neg"],
)
def test_a_form_without_a_valid_edit_marker_saves_nothing(client, national, chapter_a, token):
    client.force_login(national)
    data = as_submitted(open_form(client, chapter_url(chapter_a)), description="Sneaked in.", edit_version=token)
    response = client.post(chapter_url(chapter_a), data)
    assert response.status_code == 200
    assert "This chapter was changed" in response.content.decode() or "edit marker" in response.content.decode()
    chapter_a.refresh_from_db()
    assert chapter_a.description == ""


def test_a_chapter_deleted_meanwhile_is_not_recreated(client, national, chapter_a):
    client.force_login(national)
    page = open_form(client, chapter_url(chapter_a))
    data = as_submitted(page, description="Too late.")
    Chapter.objects.filter(pk=chapter_a.pk).delete()
    response = client.post(chapter_url(chapter_a), data)
    assert response.status_code == 404  # the admin looks the chapter up first
    assert not Chapter.objects.filter(pk=chapter_a.pk).exists()


def test_member_edited_by_two_coordinators(client, national, coordinator_a, chapter_a):
    member = make_member("ann.a@example.net", "29201", first_name="Ann", last_name="Avery")
    url = reverse("admin:members_member_change", args=[member.pk])
    other = Client()
    client.force_login(national)
    other.force_login(coordinator_a)
    national_page, coordinator_page = open_form(client, url), open_form(other, url)

    assert client.post(url, as_submitted(national_page, last_name="Avery-Smith")).status_code == 302
    refused = other.post(url, as_submitted(coordinator_page, phone="803-555-0123"))
    assert refused.status_code == 200
    assert "This member was changed by Nat Ional" in refused.content.decode()
    member.refresh_from_db()
    assert (member.user.last_name, str(member.phone)) == ("Avery-Smith", "")

    assert other.post(url, as_submitted(refused)).status_code == 302
    member.refresh_from_db()
    member.user.refresh_from_db()
    assert (member.user.last_name, str(member.phone)) == ("Avery-Smith", "+18035550123")


def test_member_profile_change_meanwhile_is_detected(client, coordinator_a, chapter_a):
    """The member's own profile page saves through the same model: a coordinator's open form goes stale."""
    member = make_member("ann.a@example.net", "29201", first_name="Ann", last_name="Avery")
    url = reverse("admin:members_member_change", args=[member.pk])
    client.force_login(coordinator_a)
    page = open_form(client, url)
    member.email_updates = True
    member.save()

    refused = client.post(url, as_submitted(page, last_name="Avery-Jones"))
    assert refused.status_code == 200
    assert refused.context["adminform"].form["email_updates"].value() is True
    assert client.post(url, as_submitted(refused)).status_code == 302
    member.refresh_from_db()
    assert member.email_updates is True
    assert Member.objects.get(pk=member.pk).user.last_name == "Avery-Jones"


def test_member_saving_their_profile_over_a_coordinators_change_is_told(client, coordinator_a, chapter_a):
    member = make_member("ann.a@example.net", "29201", first_name="Ann", last_name="Avery")
    client.force_login(member.user)
    page = open_form(client, "/profile/")
    staff = Client()
    staff.force_login(coordinator_a)
    url = reverse("admin:members_member_change", args=[member.pk])
    assert staff.post(url, as_submitted(open_form(staff, url), phone="803-555-0123")).status_code == 302

    refused = client.post("/profile/", as_submitted(page, last_name="Avery-Jones"))
    assert refused.status_code == 200
    assert "This profile was changed by Coordinator SC" in refused.content.decode()
    assert Member.objects.get(pk=member.pk).user.last_name == "Avery"
    assert client.post("/profile/", as_submitted(refused)).status_code == 302
    member.refresh_from_db()
    assert (member.user.last_name, str(member.phone)) == ("Avery-Jones", "+18035550123")


def test_endorsement_edited_by_two_coordinators(client, national, coordinator_a, chapter_a):
    endorsement = make_endorsement("SC", Endorsement.Status.SUBMITTED, name="Mayor Example")
    url = reverse("admin:endorsements_endorsement_change", args=[endorsement.pk])
    other = Client()
    client.force_login(national)
    other.force_login(coordinator_a)
    national_page, coordinator_page = open_form(client, url), open_form(other, url)

    assert client.post(url, as_submitted(national_page, office="Mayor of Columbia")).status_code == 302
    refused = other.post(url, as_submitted(coordinator_page, party="Green"))
    assert refused.status_code == 200
    assert "This endorsement was changed by Nat Ional" in refused.content.decode()
    assert other.post(url, as_submitted(refused)).status_code == 302
    endorsement.refresh_from_db()
    assert (endorsement.office, endorsement.party) == ("Mayor of Columbia", "Green")


def test_version_counts_saves_in_the_database(chapter_a):
    stale = Chapter.objects.get(pk=chapter_a.pk)
    before = chapter_a.version
    chapter_a.description = "One"
    chapter_a.save()
    stale.question = "Two?"
    stale.save(update_fields=["question"])
    # The stale copy's save counts from the stored number, not its own: two saves, two numbers.
    assert Chapter.objects.get(pk=chapter_a.pk).version == before + 2
    assert (chapter_a.version, stale.version) == (before + 1, before + 2)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_one_wins_the_other_is_refused(national, coordinator_a, chapter_a):
    """Both posts arrive while a third transaction holds the row: whichever runs first wins, the other is told."""
    clients = {"national": Client(), "coordinator": Client()}
    clients["national"].force_login(national)
    clients["coordinator"].force_login(coordinator_a)
    url = chapter_url(chapter_a)
    data = {
        "national": as_submitted(open_form(clients["national"], url), description="National words."),
        "coordinator": as_submitted(open_form(clients["coordinator"], url), question="Coordinator question?"),
    }
    responses = {}

    def post(who: str) -> None:
        try:
            responses[who] = clients[who].post(url, data[who])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(who,)) for who in clients]
    with transaction.atomic():
        Chapter.objects.select_for_update().get(pk=chapter_a.pk)
        for thread in threads:
            thread.start()
        wait_for_lock_waiters(2)
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()

    codes = sorted(response.status_code for response in responses.values())
    assert codes == [200, 302]
    loser = next(who for who, response in responses.items() if response.status_code == 200)
    assert "was changed by" in responses[loser].content.decode()
    chapter_a.refresh_from_db()
    winner_change = {"national": ("National words.", ""), "coordinator": ("", "Coordinator question?")}
    assert (chapter_a.description, chapter_a.question) == winner_change[next(w for w in clients if w != loser)]


def wait_for_lock_waiters(count: int) -> None:
    """Until `count` other sessions wait on a lock (a hang guard, not a timing condition)."""
    import time

    for _ in range(600):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view stays as first read in this transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.1)
    raise AssertionError(f"{count} requests never queued behind the row lock")
