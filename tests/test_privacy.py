"""Members' personal data appears on no public page or feed: every public URL, rendered with the demo data."""

import re

from django.core.management import call_command

from chapters.models import Chapter
from endorsements.models import Endorsement
from events.models import Event
from members.models import Member
from tags.models import MemberTag, Tag
from tests.factories import make_event
from tests.pages import PAGES

EVENT_SECRETS = ("https://meet.example.org/private-room-4821", "77 Members Only Lane")


def public_paths() -> list[str]:
    paths = [page.path for page in PAGES.values() if isinstance(page.path, str) and 200 in page.expected["anonymous"]]
    paths += [f"/chapters/{slug}/" for slug in Chapter.objects.values_list("slug", flat=True)]
    paths += [e.get_absolute_url() for e in Endorsement.objects.published()]
    paths += [e.get_absolute_url() for e in Event.objects.visible_to(None)]
    paths += [f"{e.get_absolute_url()}event.ics" for e in Event.objects.visible_to(None)]
    paths += [f"/events/chapter/{slug}/calendar.ics" for slug in Chapter.objects.values_list("slug", flat=True)]
    paths += ["/events/?zip=46204&radius=250", "/events/?zip=46204&format=online", "/events/?format=in_person"]
    paths += ["/endorsements/?page=2", "/chapters/find/?zip=29201", "/chapters/find/?zip=10001", "/join/ny/"]
    return paths


def test_no_public_page_shows_a_members_email_phone_or_address(client, db):
    call_command("load_demo")
    # An online event's link and a members-only event's address are for people who RSVP'd.
    sc = Chapter.objects.get(slug="indiana")
    make_event(sc, title="Online meeting", online=True, online_link=EVENT_SECRETS[0], address="")
    members_only = make_event(sc, title="Members' meeting", visibility=Event.Visibility.MEMBERS,
                              address=EVENT_SECRETS[1], zip_code_id="46204")  # fmt: skip
    # Who RSVP'd and who was checked in (a walk-in's address too) is for the hosts, never a public page.
    make_event(sc, title="Open meeting", zip_code_id="46204")
    for event in (members_only, Event.objects.get(title="Open meeting")):
        for m in Member.objects.select_related("user")[:3]:
            event.occurrences.get().rsvps.create(user=m.user, name=m.user.get_full_name(), email=m.user.email,
                                                 attended=True)  # fmt: skip
    Event.objects.filter(standing_call=True, chapter=None).update(online_link=EVENT_SECRETS[0])
    members = list(Member.objects.select_related("user", "zip_code"))
    assert len(members) > 30
    emails = {m.user.email for m in members}
    phones = {str(m.phone) for m in members if m.phone}
    national_phones = {re.sub(r"^\+1", "", p) for p in phones}
    assert phones, "the demo data should hold phone numbers for this test to mean something"
    # Coordinators' tags are theirs alone: never on a public page.
    secret_tag = Tag.objects.create(name="coordinators-only-tag-x7")
    MemberTag.objects.bulk_create([MemberTag(member=m, tag=secret_tag) for m in members])

    checked = 0
    for path in public_paths():
        response = client.get(path, follow=True)
        assert response.status_code in (200, 400), path  # 400: a clear page for a bad link
        html = response.content.decode()
        for secret in emails | phones | national_phones | set(EVENT_SECRETS) | {secret_tag.name}:
            assert secret not in html, f"{path} shows {secret}"
        checked += 1
    assert checked > 40
    near = client.get("/events/?zip=46204").content.decode()
    assert "Open meeting" in near  # the crawl saw the list with events in it
    assert "Members&#x27; meeting" not in near
