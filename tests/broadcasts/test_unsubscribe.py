"""One-click unsubscribe (RFC 8058): a POST with no login, cookie or CSRF token unsubscribes at once;
a GET only shows a button; each unsubscribe is a consent record naming the broadcast."""

import pytest
from django.test import Client

from broadcasts.mail import unsubscribe_url
from broadcasts.models import Recipient, materialise
from members.models import ConsentRecord, Member, member_data


@pytest.fixture
def copy(people, broadcast_a, coordinator_a):
    broadcast_a.sent_by = coordinator_a
    materialise(broadcast_a)
    return Recipient.objects.get(broadcast=broadcast_a, email="ann@example.net")


def path_of(recipient) -> str:
    return unsubscribe_url("", recipient.broadcast_id, recipient.member_id)


def test_one_click_post_unsubscribes_without_login_or_csrf(copy):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path_of(copy), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Member.objects.get(pk=copy.member_id).email_updates
    record = ConsentRecord.objects.filter(member_id=copy.member_id).latest("at")
    assert (record.topic, record.given, record.source) == ("email_updates", False, "one-click")
    assert record.detail == f"broadcast {copy.broadcast_id}"
    copy.refresh_from_db()
    assert copy.state == Recipient.State.UNSUBSCRIBED

    again = client.post(path_of(copy), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200, "idempotent"
    assert ConsentRecord.objects.filter(member_id=copy.member_id, source="one-click").count() == 1


def test_a_get_never_unsubscribes_and_offers_a_button(copy, client):
    response = client.get(path_of(copy))
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert Member.objects.get(pk=copy.member_id).email_updates


@pytest.mark.parametrize("token", ["not-a-token", "WzEsIngiXQ:1abc:bad-signature"])
def test_a_bad_token_is_a_clear_page_and_changes_nothing(copy, client, token):
    response = client.post(f"/u/{token}/")
    assert response.status_code == 400
    assert b"does not work" in response.content
    assert Member.objects.get(pk=copy.member_id).email_updates


def test_the_data_download_lists_the_broadcasts_a_member_was_sent(copy):
    from broadcasts.models import mark

    mark(copy.broadcast_id, copy.member_id, Recipient.State.SENT)
    data = member_data(copy.member.user)
    [sent] = data["broadcasts_received"]
    assert sent["subject"] == "Hello {{ first_name }}"
    assert sent["to"] == "ann@example.net"
