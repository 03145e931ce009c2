"""What a member reads on their profile and welcome page: consents as they stand, who looked, their link to share."""

import datetime
import re
from html.parser import HTMLParser

from django.utils import timezone

from members.models import ConsentRecord, Member, MemberAccess, User
from members.views import share_ref
from tests.factories import confirmation_path, join_form, make_user

from .test_profile import profile_data


def test_consent_help_says_what_is_stored_and_since_when(client, chapter_a, mailoutbox):
    client.post("/join/", join_form(email_updates="on"))
    client.post(confirmation_path(mailoutbox[0].body))
    member = Member.objects.get(user__email="jo@example.net")
    ConsentRecord.objects.filter(member=member).update(at=datetime.datetime(2026, 3, 2, 15, tzinfo=datetime.UTC))

    page = client.get("/profile/").content.decode()
    assert "You agreed to this on March 2, 2026, when you joined." in page  # email updates: ticked
    assert "You have not agreed to this." in page  # text messages: never ticked
    assert "Agreed to receive" not in page

    client.post("/profile/", profile_data(member, email_updates=""))
    page = client.get("/profile/").content.decode()
    today = timezone.localdate().strftime("%B %-d, %Y")
    assert f"You withdrew this on {today}, on this page." in page
    assert "You agreed to this on" not in page


def test_who_looked_is_named_by_role_and_chapter_under_plain_headings(client, sc_member, coordinator_a, national):
    gone = make_user("gone@example.org", first_name="Gone", last_name="Away")
    for actor in (coordinator_a, national, gone):
        MemberAccess.objects.create(member=sc_member, actor=actor, action=MemberAccess.Action.VIEWED)
    gone.delete()
    client.force_login(sc_member.user)
    page = client.get("/profile/").content.decode()
    assert "a coordinator of South Carolina Consents opened your record" in page
    assert "a national coordinator opened your record" in page
    assert "a coordinator whose account has since been closed opened your record" in page
    for user in User.objects.exclude(pk=sc_member.user_id):
        assert user.get_full_name() not in page
    # "Your data" says what is kept before the log begins under its own, lower heading.
    between = page.split("<h2>Your data</h2>")[1].split('<h3 id="access-heading">')[0]
    assert "Download my data" in between


def test_welcome_shows_the_chapter_its_next_call_and_a_link_to_bring_a_friend(client, chapter_a, mailoutbox):
    client.post("/join/", join_form())
    client.post(confirmation_path(mailoutbox[0].body))
    member = Member.objects.get(user__email="jo@example.net")
    page = client.get("/join/welcome/").content.decode()
    assert "You are a member of" in page
    assert "South Carolina Consents" in page
    assert "The weekly national call</strong>: Tuesdays at 7:30 pm Central" in page
    assert 'href="/calls/national/next.ics"' in page
    link = re.search(r'id="share-url" value="([^"]+)"', page).group(1)
    assert link == f"http://testserver/join/sc/?ref={share_ref(member)}"
    assert "jo" not in link.split("ref=")[1]
    assert "newcomb" not in link.lower()

    # The friend who follows it is recorded as brought by that link.
    client.logout()
    client.get(link.removeprefix("http://testserver"))
    client.post("/join/sc/", join_form(email="friend@example.net"))
    assert Member.objects.get(user__email="friend@example.net").ref == share_ref(member)


def test_welcome_offers_the_chapters_own_call_when_it_holds_one(client, chapter_a, sc_member):
    chapter_a.call_weekday, chapter_a.call_time, chapter_a.call_timezone = 2, datetime.time(20, 0), "America/New_York"
    chapter_a.save()
    client.force_login(sc_member.user)
    page = client.get("/join/welcome/").content.decode()
    assert "South Carolina Consents weekly call</strong>: Wednesdays at 8:00 pm Eastern" in page
    assert 'href="/calls/south-carolina/next.ics"' in page


class References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.wanted: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "label" and attrs.get("for"):
            self.wanted.append(attrs["for"])
        self.wanted += (attrs.get("aria-describedby") or "").split()


def unresolved(html: str) -> set[str]:
    parser = References()
    parser.feed(html)
    return set(parser.wanted) - parser.ids


def test_every_describedby_and_label_on_the_members_forms_points_at_something(client, sc_member, chapter_b):
    assert not unresolved(client.get("/join/").content.decode())
    with_errors = client.post("/join/", join_form(zip_code="0000", first_name="", text_messages="on"))
    assert 'aria-describedby="id_zip_code_error"' in with_errors.content.decode()
    assert not unresolved(with_errors.content.decode())
    client.force_login(sc_member.user)
    assert not unresolved(client.get("/profile/").content.decode())
    assert not unresolved(client.post("/profile/", profile_data(sc_member, phone="nope")).content.decode())
    assert not unresolved(client.post("/profile/", profile_data(sc_member, zip_code="82001")).content.decode())
    assert not unresolved(client.get("/profile/leave/").content.decode())
