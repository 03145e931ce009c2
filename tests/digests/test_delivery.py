"""The digests' mail through the real path: jobs in PostgreSQL, a real worker, SMTP on loopback.

A signup confirmed through the link in its delivered mail is welcomed (with a calendar file that
opens and a link that serves it); a coordinator who chose instant notices hears of it once; the
periodic digest job run twice mails one digest.
"""

import re
import threading

import icalendar
from django.db import connections
from django.utils import timezone

from digests.digest import send_digests_due
from digests.models import DigestPreference
from digests.tasks import send_daily_digests
from tests.digests.test_digest import tomorrow_at
from tests.factories import SC_ZIP, confirmation_path, join_form, make_member


def url_path(text: str, pattern: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + pattern + r")", text)
    assert match, text
    return match.group(1)


def sign_up_and_confirm(client, smtp_sink, run_worker, email: str) -> None:
    assert client.post("/join/", join_form(email=email)).status_code == 302
    run_worker()
    [confirmation] = smtp_sink.to(email)
    assert client.post(confirmation_path(confirmation.get_body(("plain",)).get_content())).status_code == 302
    run_worker()


def test_a_confirmed_signup_gets_its_welcome_with_a_calendar_file_that_opens(client, smtp_sink, run_worker, chapter_a):
    sign_up_and_confirm(client, smtp_sink, run_worker, "jo@example.net")

    [welcome] = [m for m in smtp_sink.to("jo@example.net") if m["Subject"].startswith("Welcome")]
    assert welcome["Subject"] == "Welcome to South Carolina Consents"
    text = welcome.get_body(("plain",)).get_content()
    [attachment] = list(welcome.iter_attachments())
    [event] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("dtstart") > timezone.now()
    # The link in the mail serves the same occurrence.
    response = client.get(url_path(text, r"/calls/[\w-]+/next\.ics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [served] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert served.decoded("dtstart") == event.decoded("dtstart")
    # Their own share link opens the join page of their state.
    assert client.get(url_path(text, r"/join/sc/\?ref=friend-\w+")).status_code in (200, 302)


def test_an_instant_notice_reaches_the_coordinator_who_chose_it_once(client, smtp_sink, run_worker, coordinator_a,
                                                                     coordinator_b):  # fmt: skip
    DigestPreference.objects.create(user=coordinator_a, frequency=DigestPreference.Frequency.INSTANT)
    DigestPreference.objects.create(user=coordinator_b, frequency=DigestPreference.Frequency.INSTANT)
    sign_up_and_confirm(client, smtp_sink, run_worker, "jo@example.net")
    run_worker()

    [notice] = smtp_sink.to("coord-a@example.org")
    assert notice["Subject"] == "South Carolina Consents: Jo Newcomb joined (signup)"
    assert "/admin/members/member/" in notice.get_body(("plain",)).get_content()
    assert smtp_sink.to("coord-b@example.org") == [], "B's coordinator hears nothing of A's members"


def test_the_periodic_digest_job_run_twice_mails_one_digest(smtp_sink, run_worker, coordinator_a):
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    for minutes in (5, 20):  # two quarter-hour runs, each taken by a worker
        moment = tomorrow_at(7, minutes)
        send_daily_digests.defer(timestamp=int(moment.timestamp()))
        run_worker()

    [digest] = smtp_sink.to("coord-a@example.org")
    assert "Ann Alpha: joined" in digest.get_body(("plain",)).get_content()


def test_a_quiet_day_mails_no_digest(smtp_sink, run_worker, coordinator_a):
    send_daily_digests.defer(timestamp=int(tomorrow_at(7).timestamp()))
    run_worker()
    assert smtp_sink.to("coord-a@example.org") == []


def test_two_workers_composing_the_same_digest_at_once_mail_it_once(smtp_sink, run_worker, coordinator_a):
    make_member("ann@example.net", SC_ZIP, first_name="Ann", last_name="Alpha")
    start_together = threading.Barrier(2)
    mailed = []

    def worker() -> None:
        try:
            start_together.wait(timeout=10)
            mailed.append(send_digests_due(tomorrow_at(7)))
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(mailed) == [0, 1]
    run_worker()
    assert len(smtp_sink.to("coord-a@example.org")) == 1
