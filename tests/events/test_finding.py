"""/events/: upcoming public events near a ZIP, nearest first, with filters and a map; a chapter's
list and calendar subscription; and what never shows there."""

import re

import icalendar
import pytest

from chapters.models import ZipCode
from events import finding
from events.models import Event
from tests.events.test_admin import form_data
from tests.factories import make_event

# Miles from Columbia, SC (29201), by the ZIP centroids of the `zipcodes` package.
LEXINGTON, GREENVILLE, CHARLESTON, ATLANTA = "29072", "29601", "29401", "30303"


def titles(html: str, section: str) -> list[str]:
    """The event titles listed in one section of the page, in order."""
    part = html.split(f'id="{section}-heading"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<strong>(?:\d+\. )?([^<]+)</strong>", part)


@pytest.fixture
def spread(chapter_a):
    """In-person events at several distances from Columbia, and one online."""
    return {
        "atlanta": make_event(chapter_a, title="Atlanta rally", kind=Event.Kind.RALLY, zip_code_id=ATLANTA),
        "charleston": make_event(chapter_a, title="Charleston tabling", zip_code_id=CHARLESTON, days_ahead=1),
        "lexington": make_event(
            chapter_a, title="Lexington meeting", kind=Event.Kind.MEETING, zip_code_id=LEXINGTON, days_ahead=9
        ),  # fmt: skip
        "greenville": make_event(
            chapter_a, title="Greenville town hall", kind=Event.Kind.TOWN_HALL, zip_code_id=GREENVILLE
        ),  # fmt: skip
        "online": make_event(
            chapter_a,
            title="Online training",
            online=True,
            address="",
            online_link="https://meet.example.org/secret-room",
        ),  # fmt: skip
    }


def test_zip_codes_have_their_centroid(db):
    columbia = ZipCode.objects.get(code="29201")
    assert (round(columbia.latitude, 2), round(columbia.longitude, 2)) == (34.0, -81.03)
    assert ZipCode.objects.filter(latitude__isnull=True).count() < ZipCode.objects.count() / 100


def test_nearest_first_with_the_distance(client, spread):
    html = client.get("/events/", {"zip": "29201", "radius": 250}).content.decode()
    assert titles(html, "near") == ["Lexington meeting", "Greenville town hall", "Charleston tabling", "Atlanta rally"]
    assert re.search(r"Lexington meeting.*?11\.8 mi", html, re.S)
    assert re.search(r"Atlanta rally.*?193\.2 mi", html, re.S)
    assert titles(html, "online") == ["Online training"]


def test_the_radius_is_a_circle_in_miles(client, spread):
    html = client.get("/events/", {"zip": "29201", "radius": 100}).content.decode()
    assert titles(html, "near") == ["Lexington meeting", "Greenville town hall"]  # Charleston is 105 miles off
    html = client.get("/events/", {"zip": "29201", "radius": 10}).content.decode()
    assert titles(html, "near") == []
    assert "No in-person events within 10 miles" in html


def test_filters_by_kind_and_format(client, spread):
    html = client.get("/events/", {"zip": "29201", "radius": 250, "kind": "rally"}).content.decode()
    assert titles(html, "near") == ["Atlanta rally"]
    assert titles(html, "online") == []
    html = client.get("/events/", {"zip": "29201", "radius": 250, "format": "online"}).content.decode()
    assert "Showing online events only" in html
    assert titles(html, "online") == ["Online training"]
    assert "Lexington meeting" not in html
    html = client.get("/events/", {"zip": "29201", "radius": 250, "format": "in_person"}).content.decode()
    assert 'id="online-heading"' not in html
    assert len(titles(html, "near")) == 4


def test_without_a_zip_the_soonest_come_first(client, spread):
    html = client.get("/events/").content.decode()
    listed = re.findall(r"<strong>([^<]+)</strong>", html.split("Coming up", 1)[1])
    assert listed[0] == "Charleston tabling"  # a day ahead
    assert listed[-1] == "Lexington meeting"  # nine days ahead
    html = client.get("/events/", {"format": "online"}).content.decode()
    assert re.findall(r"<strong>([^<]+)</strong>", html.split("Coming up", 1)[1]) == ["Online training"]


def test_a_weekly_event_is_listed_once_at_its_next_date(client, chapter_a):
    make_event(chapter_a, title="Weekly canvass", recurrence=Event.Recurrence.WEEKLY, zip_code_id=LEXINGTON)
    html = client.get("/events/", {"zip": "29201"}).content.decode()
    assert titles(html, "near") == ["Weekly canvass"]
    html = client.get("/events/").content.decode()
    assert html.count("Weekly canvass") == 1


def test_past_cancelled_proposed_and_members_only_events_are_not_listed(client, chapter_a, member):
    make_event(chapter_a, title="Held last week", zip_code_id=LEXINGTON, days_ahead=-7)
    make_event(chapter_a, title="Called off", zip_code_id=LEXINGTON, status=Event.Status.CANCELLED)
    make_event(chapter_a, title="Just an idea", zip_code_id=LEXINGTON, status=Event.Status.PROPOSED)
    make_event(chapter_a, title="Members' strategy night", zip_code_id=LEXINGTON,
               visibility=Event.Visibility.MEMBERS, address="12 Hidden Lane, Lexington")  # fmt: skip
    make_event(chapter_a, title="Open house", zip_code_id=LEXINGTON)
    for who in (None, member):
        if who:
            client.force_login(who)
        html = client.get("/events/", {"zip": "29201"}).content.decode()
        assert titles(html, "near") == ["Open house"]
        assert "Hidden Lane" not in html
        assert "strategy night" not in html


def test_the_map_places_each_event_around_the_zip(client, spread):
    html = client.get("/events/", {"zip": "29201", "radius": 250}).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    pins = re.findall(r'aria-label="(\d+)\. ([^,]+), [\d.]+ miles">\s*<title>[^<]*</title>\s*'
                      r'<circle cx="([\d.]+)" cy="([\d.]+)"', svg)  # fmt: skip
    placed = {title: (float(x), float(y)) for _, title, x, y in pins}
    assert len(placed) == 4
    centre = finding.MAP_SIZE / 2
    assert placed["Atlanta rally"][0] < centre  # west
    assert placed["Charleston tabling"][0] > centre
    assert placed["Charleston tabling"][1] > centre
    assert placed["Greenville town hall"][1] < centre  # north
    # The radius is at the edge: Atlanta (193 of 250 miles) is most of the way out.
    ax, ay = placed["Atlanta rally"]
    assert 0.6 < ((ax - centre) ** 2 + (ay - centre) ** 2) ** 0.5 / (centre - 12) < 0.9
    assert "<script" not in svg
    assert "style=" not in svg


@pytest.mark.parametrize("bad", ["2920", "abcde", "99999", "2" * 200])
def test_a_bad_zip_gets_a_clear_message(client, spread, bad):
    response = client.get("/events/", {"zip": bad})
    assert response.status_code == 400
    html = response.content.decode()
    message = re.search(r'<span class="errorlist" role="alert">([^<]+)</span>', html).group(1)
    assert any(words in message for words in ("five-digit ZIP", "do not know the ZIP", "at most 10"))
    assert "Coming up" in html  # the soonest events still show


def test_bad_filters_get_a_message_not_an_error(client, spread):
    response = client.get("/events/", {"zip": "29201", "radius": "9999", "kind": "party", "format": "moon"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_search_reads_a_bounded_number_of_queries(client, chapter_a, django_assert_max_num_queries):
    for n in range(30):
        make_event(chapter_a, title=f"Event {n}", zip_code_id=[LEXINGTON, GREENVILLE, CHARLESTON][n % 3],
                   recurrence=Event.Recurrence.WEEKLY if n % 2 else "")  # fmt: skip
        make_event(chapter_a, title=f"Online {n}", online=True, address="")
    with django_assert_max_num_queries(6):
        assert client.get("/events/", {"zip": "29201", "radius": 250}).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/events/").status_code == 200


def test_the_nearest_search_uses_the_bounding_box_index(chapter_a):
    """The 40,000 ZIP codes are narrowed by their coordinates' index, not scanned."""
    make_event(chapter_a, title="Near", zip_code_id=LEXINGTON)
    columbia = ZipCode.objects.get(code="29201")
    box = finding.bounding_box(columbia.latitude, columbia.longitude, 25)
    in_box = ZipCode.objects.filter(**{key.removeprefix("zip_code__"): value for key, value in box.children})
    assert "zipcode_coordinates_idx" in in_box.explain()
    assert 10 < in_box.count() < 200
    search = finding.Search(zip_code=columbia, radius=25)
    assert [e.title for e in finding.nearest(search)] == ["Near"]


def test_a_chapter_page_lists_its_public_events(client, chapter_a, chapter_b):
    make_event(chapter_a, title="SC tabling", zip_code_id=LEXINGTON)
    make_event(chapter_a, title="SC members only", visibility=Event.Visibility.MEMBERS)
    make_event(chapter_b, title="Wyoming meeting")
    html = client.get(f"/chapters/{chapter_a.slug}/").content.decode()
    section = html.split('id="events-heading"', 1)[1].split("</section>", 1)[0]
    assert "SC tabling" in section
    assert "SC members only" not in section
    assert "Wyoming meeting" not in section
    assert f'href="webcal://testserver/events/chapter/{chapter_a.slug}/calendar.ics"' in section


def test_the_chapter_feed_is_a_subscription_of_its_public_events(client, chapter_a, chapter_b):
    weekly = make_event(chapter_a, title="Weekly canvass", recurrence=Event.Recurrence.WEEKLY)
    make_event(chapter_a, title="Online training", online=True, address="", online_link="https://meet.example.org/x")
    make_event(chapter_a, title="Members only", visibility=Event.Visibility.MEMBERS, address="12 Hidden Lane")
    make_event(chapter_a, title="Proposed", status=Event.Status.PROPOSED)
    make_event(chapter_b, title="Wyoming meeting")
    response = client.get(f"/events/chapter/{chapter_a.slug}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" not in response.get("Content-Disposition", "")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "South Carolina Consents events"
    entries = calendar.walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in entries]
    assert summaries.count("Weekly canvass") == weekly.occurrences.count() > 1
    assert set(summaries) == {"Weekly canvass", "Online training"}
    online = next(e for e in entries if str(e["SUMMARY"]) == "Online training")
    assert "LOCATION" not in online
    assert b"meet.example.org" not in response.content
    assert b"Hidden Lane" not in response.content
    assert client.get("/events/chapter/no-such-chapter/calendar.ics").status_code == 404


def test_the_event_page_has_open_graph_tags(client, chapter_a):
    event = make_event(chapter_a, title="Town hall on the question", description="Come and ask.")
    html = client.get(event.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Town hall on the question">' in html
    assert '<meta property="og:description" content="Come and ask.">' in html
    assert '<meta property="og:type" content="event">' in html


def test_the_admin_sets_an_events_zip_code(client, coordinator_a, chapter_a):
    """The coordinator types the ZIP; the event then shows up near it. An unknown ZIP is refused."""
    client.force_login(coordinator_a)
    data = form_data(make_event(chapter_a, title="Model"), title="Columbia canvass", zip_code="29201")
    assert client.post("/admin/events/event/add/", {**data, "zip_code": "00000"}).status_code == 200
    assert not Event.objects.filter(title="Columbia canvass").exists()
    assert client.post("/admin/events/event/add/", data).status_code == 302
    assert Event.objects.get(title="Columbia canvass").zip_code_id == "29201"
    client.logout()
    html = client.get("/events/", {"zip": "29072", "radius": 25}).content.decode()
    assert titles(html, "near") == ["Columbia canvass"]
