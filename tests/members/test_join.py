"""Joining at /join/: the ZIP decides county, chapter and state; membership starts on verification."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sites.models import Site

from members.models import ConsentRecord, Member, MembershipEvent, User
from tests.factories import CA_ZIP, SC_ZIP, confirmation_path, join_form, make_member


def test_join_with_covered_zip_puts_member_in_chapter_pending(client, chapter_a, mailoutbox):
    response = client.post("/join/", join_form(phone="(803) 555-0199"))
    assert response.status_code == 302
    member = Member.objects.select_related("user").get(user__email="jo@example.net")
    assert member.chapter == chapter_a
    assert member.state_id == "SC"
    assert member.county.name == "Richland County"
    assert member.status == Member.Status.PENDING
    assert str(member.phone) == "+18035550199"
    assert member.user.first_name == "Jo"
    assert member.email_updates
    assert not member.text_messages
    assert list(member.consents.values_list("topic", "given", "source")) == [
        (ConsentRecord.Topic.EMAIL_UPDATES, True, ConsentRecord.Source.SIGNUP)
    ]
    assert not Member.objects.counted().filter(chapter=chapter_a).exists()
    assert not MembershipEvent.objects.exists()
    page = client.get(response["Location"])
    assert "South Carolina Consents" in page.content.decode()
    assert len(mailoutbox) == 1


def test_verifying_email_activates_membership_and_shows_chapter(client, chapter_a, mailoutbox):
    client.post("/join/", join_form())
    path = confirmation_path(mailoutbox[0].body)
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/join/welcome/"
    member = Member.objects.get(user__email="jo@example.net")
    assert member.status == Member.Status.ACTIVE
    assert member.joined_at is not None
    assert MembershipEvent.objects.net_for(chapter=chapter_a) == 1
    assert MembershipEvent.objects.net_for(state=chapter_a.state) == 1
    welcome = client.get("/join/welcome/").content.decode()
    assert "South Carolina Consents" in welcome
    assert "/chapters/south-carolina/" in welcome
    assert "Tuesdays at 7:30 pm Central" in welcome


def test_multi_county_zip_asks_for_county_next_to_field(client, two_county_zip):
    response = client.post("/join/", join_form())
    assert response.status_code == 200
    form = response.context["form"]
    assert "county" in form.errors
    assert 'name="county"' in response.content.decode()
    assert not User.objects.filter(email="jo@example.net").exists()

    lexington = next(c for c in form.zip_counties if c.name == "Lexington County")
    response = client.post("/join/", join_form(county=lexington.fips))
    assert response.status_code == 302
    assert Member.objects.get(user__email="jo@example.net").county == lexington


def test_uncovered_zip_joins_state_without_chapter(client, chapter_a, mailoutbox):
    response = client.post("/join/", join_form(zip_code=CA_ZIP))
    assert response.status_code == 302
    member = Member.objects.get(user__email="jo@example.net")
    assert member.chapter is None
    assert member.state_id == "CA"
    client.post(confirmation_path(mailoutbox[0].body))
    assert Member.objects.counted().filter(state="CA").count() == 1
    assert MembershipEvent.objects.net_for(state=member.state) == 1
    assert "No chapter covers your county" in client.get("/join/welcome/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"zip_code": "00000"}, "zip_code"),
        ({"zip_code": "12ab5"}, "zip_code"),
        ({"zip_code": ""}, "zip_code"),
        ({"phone": "12"}, "phone"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"text_messages": "on"}, "phone"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_saves_nothing(client, chapter_a, overrides, field):
    response = client.post("/join/", join_form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Member.objects.exists()


def test_source_attribution_kept_from_first_visit(client, chapter_a):
    client.get("/join/sc/?ref=fb-post-30k&utm_source=facebook&utm_medium=social&utm_campaign=launch")
    client.get("/join/?ref=later-click")  # the first source wins
    client.post("/join/sc/", join_form())
    member = Member.objects.get(user__email="jo@example.net")
    assert (member.ref, member.utm_source, member.utm_medium, member.utm_campaign) == (
        "fb-post-30k", "facebook", "social", "launch",
    )  # fmt: skip
    assert member.utm_term == ""


def test_state_join_page_shows_chapter_name_count_and_question(client, chapter_a, django_assert_max_num_queries):
    for i in range(5):
        make_member(f"m{i}@example.net", SC_ZIP)
    make_member("pending@example.net", SC_ZIP, status=Member.Status.PENDING)
    chapter_a.question = "Would you really mind if California left?"
    Site.objects.get_current()  # read once per process and kept, as every worker does
    # A cold cache: the count is computed and stored; one more reads the national call (an event).
    with django_assert_max_num_queries(11):
        response = client.get("/join/sc/")
    with django_assert_max_num_queries(6):  # warm: the count is read from the cache
        client.get("/join/sc/")
    page = response.content.decode()
    assert "Join South Carolina Consents" in page
    assert "<strong>5</strong> members" in page
    assert "m0@example.net" not in page


def test_join_page_for_state_without_chapter_and_unknown_state(client, db):
    assert "no chapter yet" in client.get("/join/ca/").content.decode()
    assert client.get("/join/xx/").status_code == 404
    assert client.get("/join/abc/").status_code == 404


def test_existing_email_gets_no_second_account_and_no_hint(client, sc_member, mailoutbox):
    response = client.post("/join/", join_form(email="ANN.A@example.net"))
    assert response.status_code == 302  # same answer as a new address: no enumeration
    assert User.objects.filter(email__iexact="ann.a@example.net").count() == 1
    assert Member.objects.count() == 1
    assert EmailAddress.objects.filter(email__iexact="ann.a@example.net").count() == 1


def test_nav_join_points_at_join_page(client, db):
    assert 'href="/join/"' in client.get("/").content.decode()


def test_public_pages_show_no_member_contact_data(client, sc_member, chapter_a):
    sc_member.show_name_publicly = True
    sc_member.save()
    for url in ["/", "/join/", "/join/sc/", "/join/wy/"]:
        page = client.get(url).content.decode()
        assert "ann.a@example.net" not in page, url
        assert "555-0100" not in page, url
        assert "5550100" not in page, url
    assert sc_member.public_name == "Ann A."
    assert list(Member.objects.public_names()) == [sc_member]
