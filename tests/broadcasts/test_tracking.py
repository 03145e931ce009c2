"""The mail provider's reports, through anymail's tracking webhook as the provider posts them
(Postmark's format): a hard bounce suppresses the address; a complaint also withdraws consent."""

import base64
import json

import pytest

from broadcasts.models import Suppression
from members.models import ConsentRecord, Member

URL = "/anymail/postmark/tracking/"


@pytest.fixture(autouse=True)
def secret(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}


def auth(credentials: str = "hook:s3cret") -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def bounce(email: str, kind: str = "HardBounce") -> str:
    return json.dumps({
        "RecordType": "Bounce", "ID": 4323372036854775807, "Type": kind, "TypeCode": 1, "Name": "Hard bounce",
        "Tag": "", "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483", "ServerID": 23, "MessageStream": "broadcasts",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email, "From": "news@example.org", "BouncedAt": "2026-11-30T03:00:00Z", "DumpAvailable": True,
        "Inactive": True, "CanActivate": True, "Subject": "Hello", "Metadata": {},
    })  # fmt: skip


def complaint(email: str) -> str:
    return json.dumps({
        "RecordType": "SpamComplaint", "ID": 42, "Type": "SpamComplaint", "TypeCode": 100001, "Tag": "",
        "MessageID": "00000000-0000-0000-0000-000000000000", "ServerID": 23, "MessageStream": "broadcasts",
        "Email": email, "From": "news@example.org", "BouncedAt": "2026-11-30T03:00:00Z", "Subject": "Hello",
        "Description": "", "Details": "", "Metadata": {},
    })  # fmt: skip


def test_a_hard_bounce_suppresses_the_address(client, people):
    response = client.post(URL, bounce("Ann@Example.net"), content_type="application/json", **auth())
    assert response.status_code == 200
    assert Suppression.objects.get(email="ann@example.net").reason == "bounced"
    assert Member.objects.get(user__email="ann@example.net").email_updates, "a bounce says nothing of consent"


def test_a_complaint_suppresses_and_withdraws_consent(client, people):
    response = client.post(URL, complaint("bob@example.net"), content_type="application/json", **auth())
    assert response.status_code == 200
    assert Suppression.objects.get(email="bob@example.net").reason == "complained"
    member = Member.objects.get(user__email="bob@example.net")
    assert not member.email_updates
    record = member.consents.latest("at")
    assert (record.given, record.source) == (False, ConsentRecord.Source.PROVIDER)


@pytest.mark.parametrize("credentials", [None, "hook:wrong"])
def test_a_report_without_the_secret_changes_nothing(client, people, credentials):
    headers = auth(credentials) if credentials else {}
    response = client.post(URL, bounce("ann@example.net"), content_type="application/json", **headers)
    assert response.status_code in (400, 403)
    assert not Suppression.objects.exists()
