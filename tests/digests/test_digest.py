"""The daily digest a chapter coordinator gets: what it says, to whom, when, and only once a day.

Members join, move and leave through the same workflow functions the pages call; the digest is
composed as the periodic job composes it, for "tomorrow morning", so that today's events are its
"yesterday". Mail is checked in Django's outbox here; tests/digests/test_digest_delivery.py sends
it through a real worker to a real SMTP server.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.utils import timezone

from chapters.models import County, ZipCode
from digests.digest import send_digests_due
from digests.models import DailyDigest, DigestPreference
from members.models import leave_coalition, update_member
from tests.factories import SC_ZIP, WY_ZIP, make_member


def tomorrow_at(hour: int, minute: int = 5, zone: str = settings.TIME_ZONE) -> datetime.datetime:
    zone = ZoneInfo(zone)
    day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def digests_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and "membership change" in m.subject]


def move(member, zip_code: str) -> None:
    update_member(
        member=member, actor=member.user, source="profile",
        zip_code=ZipCode.objects.get(code=zip_code), county=County.objects.for_zip(zip_code).first(),
    )  # fmt: skip


def a_day_in_both_chapters():
    """In A: Ann joins, Lee leaves, Mo moves in from B. In B: Bob joins (and Mo moves away)."""
    ann = make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    bob = make_member("bob@example.net", WY_ZIP, first_name="Bob", last_name="Beta")
    lee = make_member("lee@example.net", SC_ZIP, first_name="Lee", last_name="Leaver")
    leave_coalition(member=lee, actor=lee.user, source="profile")
    mo = make_member("mo@example.net", WY_ZIP, first_name="Mo", last_name="Mover")
    move(mo, SC_ZIP)
    mail.outbox.clear()  # the welcome mails
    return ann, bob, lee, mo


def test_the_digest_lists_yesterdays_joins_moves_and_departures_with_links_to_the_admin(coordinator_a, chapter_b):
    ann, bob, lee, mo = a_day_in_both_chapters()
    assert send_digests_due(tomorrow_at(7)) == 1

    [digest] = digests_to("coord-a@example.org")
    assert digest.subject.startswith("South Carolina Consents: 4 membership changes on ")
    text = digest.body
    assert "Joined:\n- Ann Alpha: joined (signup)" in text
    assert "- Lee Leaver: joined (signup)" in text, "Lee joined and left the same day: both are told"
    assert "Moved in:\n- Mo Mover: moved in from Wyoming Consents" in text
    assert "- Lee Leaver: left the coalition" in text
    assert f"/admin/members/member/{ann.pk}/change/" in text
    assert f"/admin/members/member/{mo.pk}/change/" in text
    assert "/digests/" in text, "the digest links to the page that turns it off"
    html = digest.alternatives[0][0]
    assert "Ann Alpha</a>: joined" in html


def test_a_coordinator_of_a_never_hears_of_bs_members(coordinator_a, coordinator_b):
    ann, bob, lee, mo = a_day_in_both_chapters()
    assert send_digests_due(tomorrow_at(7)) == 2

    [digest_a] = digests_to("coord-a@example.org")
    [digest_b] = digests_to("coord-b@example.org")
    assert "Bob" not in digest_a.body
    assert f"/member/{bob.pk}/" not in digest_a.body
    for name in ("Ann", "Lee"):
        assert name not in digest_b.body
    assert "Bob Beta: joined" in digest_b.body
    # Mo moved from B to A: B's coordinator reads that they went, without a link to a record now A's.
    assert "Mo Mover: moved to South Carolina Consents" in digest_b.body
    assert f"/member/{mo.pk}/" not in digest_b.body


def test_nothing_is_sent_on_a_quiet_day(coordinator_a, coordinator_b):
    make_member("bob@example.net", WY_ZIP, first_name="Bob", last_name="Beta")
    mail.outbox.clear()
    assert send_digests_due(tomorrow_at(8)) == 1
    assert digests_to("coord-a@example.org") == []
    assert len(digests_to("coord-b@example.org")) == 1
    # The quiet day is recorded as composed with nothing in it: later runs do not compose it again.
    assert DailyDigest.objects.get(user=coordinator_a).events == 0


def test_the_digest_leaves_at_seven_in_the_chapters_time_zone(coordinator_a, chapter_a):
    chapter_a.call_weekday, chapter_a.call_time, chapter_a.call_timezone = 1, datetime.time(19), "America/New_York"
    chapter_a.save()
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    mail.outbox.clear()
    eastern = "America/New_York"
    assert send_digests_due(tomorrow_at(6, 55, eastern)) == 0
    assert send_digests_due(tomorrow_at(7, 0, eastern)) == 1
    assert len(digests_to("coord-a@example.org")) == 1


def test_two_runs_send_one_digest(coordinator_a):
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    mail.outbox.clear()
    assert send_digests_due(tomorrow_at(7)) == 1
    assert send_digests_due(tomorrow_at(7, 20)) == 0
    assert send_digests_due(tomorrow_at(23, 50)) == 0
    assert len(digests_to("coord-a@example.org")) == 1


def test_coordinators_who_turned_it_off_or_chose_instant_notices_get_no_digest(coordinator_a, treasurer_b):
    DigestPreference.objects.create(user=coordinator_a, frequency=DigestPreference.Frequency.OFF)
    DigestPreference.objects.create(user=treasurer_b, frequency=DigestPreference.Frequency.INSTANT)
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    mail.outbox.clear()
    assert send_digests_due(tomorrow_at(7)) == 0
    assert mail.outbox == []


def test_a_coordinator_whose_term_ended_gets_no_digest(coordinator_a):
    from chapters.models import Officer

    Officer.objects.filter(user=coordinator_a).update(term_end=datetime.date(2025, 6, 1))
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    mail.outbox.clear()
    assert send_digests_due(tomorrow_at(7)) == 0


def test_a_digests_queries_do_not_grow_with_its_events(coordinator_a, chapter_b, django_assert_max_num_queries):
    a_day_in_both_chapters()
    for n in range(6):
        make_member(f"more{n}@example.net", SC_ZIP, first_name="More", last_name=str(n))
    mail.outbox.clear()
    # Coordinators and chapters, digests composed; then one digest: its row, its events, its queued mail.
    with django_assert_max_num_queries(10):
        assert send_digests_due(tomorrow_at(7)) == 1
    assert "10 membership changes" in digests_to("coord-a@example.org")[0].subject


def test_who_wants_instant_notices_is_kept_and_forgotten_when_it_changes(coordinator_a, chapter_a,
                                                                         django_assert_num_queries):  # fmt: skip
    from digests.digest import chapters_wanting_instant_notices

    assert chapters_wanting_instant_notices() == set()
    with django_assert_num_queries(0):  # kept by this process
        assert chapters_wanting_instant_notices() == set()
    preference = DigestPreference.objects.create(user=coordinator_a, frequency=DigestPreference.Frequency.INSTANT)
    assert chapters_wanting_instant_notices() == {chapter_a.pk}
    preference.frequency = DigestPreference.Frequency.OFF
    preference.save()
    assert chapters_wanting_instant_notices() == set()
