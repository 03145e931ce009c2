"""My profile: edits, a confirmed move between chapters, consents, leaving, data download, deletion."""

import json

from django.contrib.admin.models import LogEntry

from chapters.models import County
from members.models import ConsentRecord, Member, MembershipEvent, User
from tests.factories import PASSWORD, SC_OTHER_ZIP, SC_ZIP, WY_ZIP, edit_version


def profile_data(member: Member, **overrides) -> dict:
    data = {
        "first_name": member.user.first_name, "last_name": member.user.last_name,
        "phone": str(member.phone), "zip_code": member.zip_code_id, "county": "",
        "email_updates": "on" if member.email_updates else "", "text_messages": "",
        "show_name_publicly": "", "edit_version": edit_version(member),
    }  # fmt: skip
    data.update(overrides)
    return {k: v for k, v in data.items() if v}


def test_member_edits_name_phone_and_consents(client, sc_member, django_assert_max_num_queries):
    client.force_login(sc_member.user)
    with django_assert_max_num_queries(12):
        assert client.get("/profile/").status_code == 200
    response = client.post(
        "/profile/",
        profile_data(sc_member, first_name="Annie", phone="803 555 0111", zip_code=SC_OTHER_ZIP,
                     email_updates="on", text_messages="on", show_name_publicly="on"),
    )  # fmt: skip
    assert response.status_code == 302
    sc_member.refresh_from_db()
    sc_member.user.refresh_from_db()
    assert sc_member.user.first_name == "Annie"
    assert str(sc_member.phone) == "+18035550111"
    assert sc_member.county.name == "Charleston County"
    assert sc_member.text_messages
    assert sc_member.show_name_publicly
    records = set(sc_member.consents.values_list("topic", "given", "source"))
    assert records == {
        (ConsentRecord.Topic.EMAIL_UPDATES, True, "profile"),
        (ConsentRecord.Topic.TEXT_MESSAGES, True, "profile"),
        (ConsentRecord.Topic.SHOW_NAME_PUBLICLY, True, "profile"),
    }
    # Same chapter: no move recorded.
    assert not sc_member.events.filter(kind="moved").exists()
    assert LogEntry.objects.filter(object_id=str(sc_member.pk)).exists()


def test_withdrawing_consent_is_recorded(client, sc_member):
    sc_member.email_updates = True
    sc_member.save()
    client.force_login(sc_member.user)
    client.post("/profile/", profile_data(sc_member, email_updates=""))
    record = sc_member.consents.get()
    assert (record.topic, record.given, record.source) == ("email_updates", False, "profile")


def test_move_to_other_chapter_asks_to_confirm_then_records_event(client, sc_member, chapter_b):
    client.force_login(sc_member.user)
    response = client.post("/profile/", profile_data(sc_member, zip_code=WY_ZIP))
    assert response.status_code == 200
    assert "moves you from South Carolina Consents to Wyoming Consents" in response.content.decode()
    assert 'name="confirm_move"' in response.content.decode()
    # A question, not an error: nothing is marked wrong.
    assert not response.context["form"].errors
    assert 'class="errorlist"' not in response.content.decode()
    assert 'class="confirm-move"' in response.content.decode()
    sc_member.refresh_from_db()
    assert sc_member.chapter_id != chapter_b.pk

    response = client.post("/profile/", profile_data(sc_member, zip_code=WY_ZIP, confirm_move="on"))
    assert response.status_code == 302
    sc_member.refresh_from_db()
    assert sc_member.chapter == chapter_b
    assert sc_member.state_id == "WY"
    move = sc_member.events.get(kind="moved")
    assert (move.from_chapter.slug, move.to_chapter, move.from_state_id, move.to_state_id) == (
        "south-carolina", chapter_b, "SC", "WY",
    )  # fmt: skip
    assert MembershipEvent.objects.net_for(chapter=chapter_b) == 1
    assert MembershipEvent.objects.net_for(chapter=sc_member.events.first().to_chapter) == 0


def test_multi_county_zip_on_profile_asks_for_county(client, sc_member, two_county_zip):
    client.force_login(sc_member.user)
    response = client.post("/profile/", profile_data(sc_member))
    assert "county" in response.context["form"].errors
    lexington = County.objects.get(state="SC", name="Lexington County")
    response = client.post("/profile/", profile_data(sc_member, county=lexington.fips))
    assert response.status_code == 302
    sc_member.refresh_from_db()
    assert sc_member.county == lexington


def test_bad_profile_input_shown_next_to_field_and_nothing_saved(client, sc_member):
    client.force_login(sc_member.user)
    for overrides, field in [({"zip_code": "99999"}, "zip_code"), ({"phone": "555"}, "phone"),
                             ({"first_name": "x" * 200}, "first_name")]:  # fmt: skip
        response = client.post("/profile/", profile_data(sc_member, **overrides))
        assert field in response.context["form"].errors
        assert f'id="id_{field}_error"' in response.content.decode()
    sc_member.refresh_from_db()
    assert sc_member.zip_code_id == SC_ZIP
    assert not sc_member.consents.exists()


def test_leave_asks_first_then_records_event_stops_counting_and_mail(client, sc_member, chapter_a):
    Member.objects.filter(pk=sc_member.pk).update(email_updates=True, text_messages=True)
    client.force_login(sc_member.user)
    page = client.get("/profile/leave/").content.decode()
    # Opening the page leaves nobody: it says what leaving means and asks.
    assert "Leave the coalition?" in page
    assert "You no longer count as a member of South Carolina Consents: its count goes from 1 to 0." in page
    assert "We stop sending you email updates and text messages." in page
    sc_member.refresh_from_db()
    assert sc_member.status == Member.Status.ACTIVE

    assert client.post("/profile/leave/")["Location"] == "/profile/"
    sc_member.refresh_from_db()
    assert sc_member.status == Member.Status.LEFT
    assert not (sc_member.email_updates)
    assert not (sc_member.text_messages)
    assert set(sc_member.consents.values_list("topic", "given", "source")) == {
        ("email_updates", False, "profile"), ("text_messages", False, "profile"),
    }  # fmt: skip
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 0
    assert not Member.objects.counted().exists()
    # Once left, there is nothing more to leave.
    assert client.get("/profile/leave/")["Location"] == "/profile/"
    assert "/profile/leave/" not in client.get("/profile/").content.decode()


def test_download_my_data_has_everything_with_timestamps(client, sc_member):
    client.force_login(sc_member.user)
    client.post("/profile/", profile_data(sc_member, email_updates="on"))
    response = client.get("/profile/data/")
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "ann.a@example.net"
    assert data["membership"]["phone"] == "+18035550100"
    assert data["membership"]["zip_code"] == SC_ZIP
    assert data["membership"]["chapter"] == "South Carolina Consents"
    assert data["consent_records"][0]["topic"] == "email_updates"
    assert data["consent_records"][0]["at"]
    assert data["membership_history"][0]["kind"] == "joined"


def test_delete_account_needs_password_erases_person_keeps_history(client, sc_member, chapter_a):
    joined_before = MembershipEvent.objects.filter(kind="joined", to_chapter=chapter_a).count()
    user_pk, member_pk = sc_member.user.pk, sc_member.pk
    client.force_login(sc_member.user)
    response = client.post("/profile/delete/", {"password": "wrong"})
    assert "password" in response.context["form"].errors
    assert User.objects.filter(pk=user_pk).exists()

    response = client.post("/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user_pk).exists()
    assert not Member.objects.filter(pk=member_pk).exists()
    assert not ConsentRecord.objects.exists()
    assert not User.objects.filter(email="ann.a@example.net").exists()
    # History survives, anonymous: the join still counts for its month, and the departure is recorded.
    assert MembershipEvent.objects.filter(kind="joined", to_chapter=chapter_a).count() == joined_before
    assert MembershipEvent.objects.filter(member__isnull=True).count() == 2
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 0
    assert not LogEntry.objects.filter(object_repr__icontains="Avery").exists()
    assert "_auth_user_id" not in client.session


def test_account_without_membership_sees_profile_page(client, coordinator_a):
    client.force_login(coordinator_a)
    response = client.get("/profile/")
    assert response.status_code == 200
    assert "Join the coalition" in response.content.decode()


def test_profile_pages_need_login(client, db):
    for url in ["/profile/", "/profile/data/", "/profile/delete/", "/join/welcome/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.post("/profile/leave/").status_code == 302
