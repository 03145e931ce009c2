"""Withdrawal by the endorser through the signed link mailed at publication."""

import re
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.core import signing
from django.urls import reverse

from endorsements.models import WITHDRAW, Endorsement
from lib.tokens import LIFETIMES, make_token
from tests.factories import make_endorsement


def withdraw_url(endorsement: Endorsement, token: str | None = None) -> str:
    return reverse(
        "endorsements:endorsement-withdraw", args=[endorsement.slug, token or endorsement.withdrawal_token()]
    )


@pytest.fixture
def published(db) -> Endorsement:
    return make_endorsement("SC", name="Pat Palmetto")


def test_link_shows_a_confirmation_page_then_post_withdraws(client, published):
    url = withdraw_url(published)
    response = client.get(url)
    assert response.status_code == 200
    assert "Withdraw my endorsement" in response.content.decode()
    published.refresh_from_db()
    assert published.status == Endorsement.Status.PUBLISHED

    response = client.post(url)
    assert "Endorsement withdrawn" in response.content.decode()
    published.refresh_from_db()
    assert published.status == Endorsement.Status.WITHDRAWN
    assert published.withdrawn_by is None
    assert client.get(published.get_absolute_url()).status_code == 404
    assert "Pat Palmetto" not in client.get(reverse("endorsements:endorsement-list")).content.decode()
    # Withdrawn, it stays in the record with its history.
    assert LogEntry.objects.filter(object_id=str(published.pk), change_message__contains="Withdrawn").exists()
    assert client.post(url).status_code == 200  # a second click is harmless


def test_link_arrives_in_the_publication_mail(admin_client, published, mailoutbox):
    published.status = Endorsement.Status.VERIFIED
    published.published_at = None
    published.save()
    admin_client.post(
        reverse("admin:endorsements_endorsement_changelist"),
        {"action": "publish_selected", "_selected_action": [published.pk]},
    )
    assert len(mailoutbox) == 1
    assert "(it works for 90 days)" in mailoutbox[0].body
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    path = re.search(r"https?://testserver(/endorsements/\S+/withdraw/\S+/)", mailoutbox[0].body).group(1)
    assert path == withdraw_url(published)
    admin_client.logout()
    admin_client.post(path)
    published.refresh_from_db()
    assert published.status == Endorsement.Status.WITHDRAWN


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_link_is_refused_and_changes_nothing(client, published, method):
    token = published.withdrawal_token()
    value, _, signature = token.rpartition(":")
    for bad in (f"{value}:{signature[:-2]}zz", "garbage", f"{int(published.pk) + 1}:{token.split(':', 1)[1]}"):
        response = getattr(client, method)(withdraw_url(published, bad))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    published.refresh_from_db()
    assert published.status == Endorsement.Status.PUBLISHED


def test_link_for_another_endorsement_is_refused(client, published):
    other = make_endorsement("SC", name="Someone Else")
    client.post(withdraw_url(published, other.withdrawal_token()))
    published.refresh_from_db()
    other.refresh_from_db()
    assert published.status == other.status == Endorsement.Status.PUBLISHED


@pytest.mark.parametrize("method", ["get", "post"])
def test_expired_link_is_refused_and_changes_nothing(client, published, monkeypatch, method):
    # Sign as if the link had been mailed a minute more than its lifetime ago.
    signed_at = time.time() - LIFETIMES[WITHDRAW].total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: signed_at)
    old_token = make_token(WITHDRAW, published.pk)
    monkeypatch.undo()
    response = getattr(client, method)(withdraw_url(published, old_token))
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    published.refresh_from_db()
    assert published.status == Endorsement.Status.PUBLISHED


def test_unknown_slug_is_404(client, published):
    assert client.get(reverse("endorsements:endorsement-withdraw", args=["nobody", "x"])).status_code == 404


@pytest.mark.parametrize("role", ["national", "coordinator_a", "coordinator_b", "member", None])
def test_link_works_the_same_for_every_role(client, published, request, role):
    """The token, not the visitor's account, authorizes the withdrawal; no token, no change."""
    if role:
        client.force_login(request.getfixturevalue(role))
    assert client.post(withdraw_url(published, "forged:token")).status_code == 400
    published.refresh_from_db()
    assert published.status == Endorsement.Status.PUBLISHED
    assert client.post(withdraw_url(published)).status_code == 200
    published.refresh_from_db()
    assert published.status == Endorsement.Status.WITHDRAWN


def test_withdrawal_pages_use_few_queries(client, published, django_assert_max_num_queries):
    url = withdraw_url(published)
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(9):  # with the footer's national call (an event)
        assert client.post(url).status_code == 200
