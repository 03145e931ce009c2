"""Which changes make deliveries, for which subscriptions: each event type, each chapter, queued with the change."""

import datetime
import io

import pytest
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from api import representations
from events.checkin import add_walk_in
from events.models import RSVP
from members.models import ConsentRecord, Member, delete_account, leave_coalition, update_member
from tests.api.helpers import make_key, person, signup
from tests.factories import import_member, make_endorsement, make_event, make_member
from tests.webhooks.helpers import subscribe
from webhooks.models import Delivery
from webhooks.tasks import remove_old_deliveries

URL = "https://hooks.example.org/coalition"


def events_for(subscription) -> list[str]:
    return list(subscription.deliveries.order_by("pk").values_list("event", flat=True))


@pytest.fixture
def subscriptions(chapter_a, chapter_b, coordinator_a, coordinator_b, national):
    everything = {"person_created": True, "person_updated": True, "person_left": True, "endorsement_published": True}
    return {
        "a": subscribe(coordinator_a, chapter_a, URL, **everything),
        "b": subscribe(coordinator_b, chapter_b, URL, **everything),
        "all": subscribe(national, None, URL, **everything),
        "a_created_only": subscribe(coordinator_a, chapter_a, URL),
    }


def test_each_change_to_a_person_reaches_their_chapters_and_every_chapters_subscriptions(subscriptions):
    member = make_member("sc@example.net", "29201", email_updates=True)
    update_member(member=member, actor=member.user, source=ConsentRecord.Source.PROFILE, zip_code=member.zip_code,
                  county=member.county, first_name="Renamed")  # fmt: skip
    leave_coalition(member=member, actor=member.user, source="profile")

    expected = ["person.created", "person.updated", "person.left"]
    assert events_for(subscriptions["a"]) == expected
    assert events_for(subscriptions["all"]) == expected
    assert events_for(subscriptions["b"]) == [], "another chapter's subscription hears nothing"
    assert events_for(subscriptions["a_created_only"]) == ["person.created"]
    updated = subscriptions["a"].deliveries.get(event="person.updated").payload
    assert updated["type"] == "person.updated"
    assert updated["data"]["given_name"] == "Renamed"
    left = subscriptions["a"].deliveries.get(event="person.left").payload["data"]
    assert left["custom_fields"]["membership_status"] == "left"
    assert left["email_addresses"][0]["status"] == "unsubscribed"
    # Each delivery has its job, queued in the same transaction.
    ids = set(Delivery.objects.values_list("pk", flat=True))
    queued = {job.args["delivery_id"] for job in ProcrastinateJob.objects.filter(task_name="deliver_webhook")}
    assert ids
    assert ids <= queued


def test_the_payload_is_the_apis_person(subscriptions):
    member = make_member("sc@example.net", "29201", first_name="Ada", phone="+18035550123", text_messages=True)
    payload = subscriptions["a"].deliveries.get().payload
    member = Member.objects.select_related(*representations.PERSON_RELATED).get(pk=member.pk)
    assert payload["data"] == representations.person(member)


def test_a_pending_signup_is_not_announced_until_its_address_is_verified(subscriptions):
    make_member("pending@example.net", "29201", status=Member.Status.PENDING)
    assert Delivery.objects.count() == 0


def test_people_added_through_the_api_and_by_import_are_created(subscriptions, client, coordinator_a, chapter_a):
    _, token = make_key(coordinator_a, chapter_a, "write")
    response = client.post("/api/people/", signup(person("api@example.net")), content_type="application/json",
                           HTTP_OSDI_API_TOKEN=token)  # fmt: skip
    assert response.status_code in (200, 201), response.content
    import_member("imported@example.net", "29201", first_name="Imp")
    created = [d.payload["data"]["email_addresses"][0]["address"] for d in subscriptions["a"].deliveries.all()]
    assert sorted(created) == ["api@example.net", "imported@example.net"]
    assert subscriptions["b"].deliveries.count() == 0


def test_an_import_of_many_people_makes_one_delivery_each_in_few_queries(subscriptions, chapter_a,
                                                                          django_assert_max_num_queries):  # fmt: skip
    from members.roster import Mode, import_members

    rows = "Email,First Name,ZIP Code\n" + "".join(f"p{i}@example.net,P{i},29201\n" for i in range(200))
    with django_assert_max_num_queries(80):
        result = import_members(chapter=chapter_a, file=io.BytesIO(rows.encode()), mode=Mode.ALL_OR_NOTHING,
                                actor=None)  # fmt: skip
    assert result.committed
    assert subscriptions["a"].deliveries.count() == 200
    assert subscriptions["all"].deliveries.count() == 200
    assert ProcrastinateJob.objects.filter(task_name="deliver_webhook").count() >= 600


def test_deleting_an_account_announces_only_who_left(subscriptions):
    member = make_member("erase@example.net", "29201")
    assert subscriptions["a"].deliveries.get().event == "person.created"
    delete_account(user=member.user)
    [left] = subscriptions["a"].deliveries.all()  # what was kept or waiting to be sent of them went too
    assert left.event == "person.left"
    assert left.payload["data"] == {"identifiers": [f"coalition:{member.pk}"], "deleted": True}
    assert not Delivery.objects.filter(payload__data__email_addresses__0__address="erase@example.net").exists()


def test_settled_deliveries_are_removed_after_the_days_kept(subscriptions, settings):
    make_member("old@example.net", "29201")
    Delivery.objects.update(created_at=timezone.now() - datetime.timedelta(days=31))
    Delivery.objects.filter(subscription=subscriptions["a"]).update(status="delivered")
    make_member("new@example.net", "29201")
    Delivery.objects.filter(payload__data__email_addresses__0__address="new@example.net").update(status="delivered")
    remove_old_deliveries(timestamp=0)
    kept = {(d.subscription_id, d.payload["data"]["email_addresses"][0]["address"]) for d in Delivery.objects.all()}
    assert kept == {
        (subscriptions["all"].pk, "old@example.net"),  # still pending: its job will send it
        (subscriptions["a_created_only"].pk, "old@example.net"),
        (subscriptions["a"].pk, "new@example.net"),
        (subscriptions["all"].pk, "new@example.net"),
        (subscriptions["a_created_only"].pk, "new@example.net"),
    }


def test_publishing_an_endorsement_reaches_the_chapters_of_its_state(subscriptions, national):
    endorsement = make_endorsement("SC", status="verified")
    assert Delivery.objects.count() == 0, "verified is not published"
    endorsement.publish(national)
    [delivery] = subscriptions["a"].deliveries.all()
    assert delivery.event == "endorsement.published"
    assert delivery.payload["data"]["name"] == endorsement.name
    assert "contact_email" not in delivery.payload["data"], "the endorser's contact details stay in the admin"
    assert subscriptions["all"].deliveries.count() == 1
    assert subscriptions["b"].deliveries.count() == 0
    endorsement.feature(national)
    assert subscriptions["a"].deliveries.count() == 1, "featuring is not publishing again"


def test_a_paused_subscription_gets_no_new_deliveries(subscriptions):
    subscriptions["a"].paused_at = "2026-01-01T00:00Z"
    subscriptions["a"].save()
    make_member("sc@example.net", "29201")
    assert subscriptions["a"].deliveries.count() == 0
    assert subscriptions["all"].deliveries.count() == 1


def test_without_subscriptions_a_change_costs_one_query_more(chapter_a, django_assert_max_num_queries):
    member = make_member("sc@example.net", "29201")
    leave_coalition(member=member, actor=member.user, source="profile")
    assert Delivery.objects.count() == 0


def test_checking_someone_in_reaches_the_events_chapter_as_the_apis_attendance(client, chapter_a, coordinator_a,
                                                                                   national):  # fmt: skip
    hooks = {"attendance_recorded": True, "person_created": False}
    a, b = subscribe(coordinator_a, chapter_a, URL, **hooks), subscribe(national, None, URL, **hooks)
    event = make_event(chapter_a, days_ahead=0)
    occurrence = event.occurrences.get()
    member = make_member("came@example.net", "29201")
    rsvp = RSVP.objects.create(occurrence=occurrence, user=member.user, email=member.user.email)
    client.force_login(coordinator_a)

    client.post(f"/events/{event.pk}/check-in/{rsvp.pk}/", {"date": occurrence.date.isoformat()})
    add_walk_in(occurrence=occurrence, name="Walk In", email="walkin@example.net", zip_code="29201")

    assert events_for(a) == ["attendance.recorded", "attendance.recorded"]
    assert events_for(b) == ["attendance.recorded", "attendance.recorded"]
    came, walked_in = (d.payload["data"] for d in a.deliveries.order_by("pk"))
    assert came["attended"] is True
    assert came["_links"]["osdi:person"]["href"].endswith(f"/api/people/{member.pk}/")
    assert walked_in["person"]["email_addresses"][0]["address"] == "walkin@example.net"
    assert "osdi:person" not in walked_in["_links"]


def test_whether_anyone_listens_is_kept_by_each_process_and_forgotten_when_a_subscription_is_saved(
    chapter_a, coordinator_a, django_assert_num_queries
):
    from webhooks.events import listened_to, queue

    assert listened_to() == set()
    with django_assert_num_queries(0):  # nobody listens: no query, and no payload is built
        assert queue("person.created", [chapter_a.pk], lambda: pytest.fail("built for nobody")) == []
    subscription = subscribe(coordinator_a, chapter_a, URL)  # saved: this process forgets at once
    assert ("person.created", chapter_a.pk) in listened_to()
    assert len(queue("person.created", [chapter_a.pk], lambda: {"n": 1})) == 1
    subscription.delete()
    assert listened_to() == set()
