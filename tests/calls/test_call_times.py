"""The national call's time, wherever a page or a mail states it, is the time the call is held at."""

import pytest

from events.calls import national_call
from tests.factories import move_national_call


def test_the_default_call_reads_tuesdays_at_730_pm_central(db):
    assert national_call().when == "Tuesdays at 7:30 pm Central"


@pytest.mark.parametrize(
    ("time", "zone", "when"),
    [
        ("00:05", "America/Los_Angeles", "Tuesdays at 12:05 am Pacific"),
        ("12:00", "America/Denver", "Tuesdays at 12:00 pm Mountain"),
        ("09:15", "Europe/Berlin", "Tuesdays at 9:15 am Europe/Berlin"),
    ],
)
def test_the_call_in_words_follows_its_event(db, time, zone, when):
    move_national_call(1, time, zone)
    assert national_call().when == when


@pytest.mark.parametrize("path", ["/join/", "/join/sc/"])
def test_join_page_shows_the_call_from_its_event(client, chapter_a, path):
    assert "National call: Tuesdays at 7:30 pm Central." in client.get(path).content.decode()
    move_national_call(3, "18:00", "America/New_York")
    page = client.get(path, HTTP_COOKIE="seen=1").content.decode()  # a cookie: not the visitors' copy
    assert "National call: Thursdays at 6:00 pm Eastern." in page
    assert "Weekly national call: Thursdays at 6:00 pm Eastern." in page  # the footer
    assert "7:30" not in page


def test_welcome_page_and_check_your_email_page_show_the_call_from_its_event(client, chapter_a, mailoutbox):
    move_national_call(3, "18:00", "America/New_York")
    response = client.post(
        "/join/",
        {"first_name": "Jo", "last_name": "Newcomb", "email": "jo@example.net",
         "password1": "a-long-and-unusual-passphrase", "zip_code": "29201", "phone": ""},
        follow=True,
    )  # fmt: skip
    assert "Join the weekly national call, Thursdays at 6:00 pm Eastern" in response.content.decode()
    confirm = next(line for line in mailoutbox[0].body.split() if "/accounts/confirm-email/" in line)
    welcome = client.post(confirm.replace("http://testserver", ""), follow=True)
    page = welcome.content.decode()
    assert welcome.request["PATH_INFO"] == "/join/welcome/"
    assert "The weekly national call</strong>: Thursdays at 6:00 pm Eastern" in page
    assert "Tuesdays" not in page


def test_the_national_call_is_read_once_a_minute_per_process(client, chapter_a, django_assert_num_queries):
    client.get("/join/", HTTP_COOKIE="seen=1")
    with django_assert_num_queries(0):  # the footer's call is kept in this process's own cache
        assert national_call().when == "Tuesdays at 7:30 pm Central"
    move_national_call(3, "18:00", "America/New_York")  # saved: forgotten at once in this process
    assert national_call().when == "Thursdays at 6:00 pm Eastern"
