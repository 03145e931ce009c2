"""Events in the admin: coordinators create their chapters' events and decide proposals;
changes and cancellations are mailed to the people who RSVP'd."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry

from events import rsvps
from events.models import RSVP, Event
from tests.factories import SC_ZIP, make_event, make_member


def form_data(event: Event, **changes) -> dict:
    local = {f: getattr(event, f).astimezone(event.zone) for f in ("starts_at", "ends_at")}
    data = {
        "chapter": event.chapter_id or "", "title": event.title, "kind": event.kind, "description": event.description,
        "status": event.status, "decline_reason": event.decline_reason, "time_zone": event.time_zone,
        "starts_at_0": f"{local['starts_at']:%Y-%m-%d}", "starts_at_1": f"{local['starts_at']:%H:%M:%S}",
        "ends_at_0": f"{local['ends_at']:%Y-%m-%d}", "ends_at_1": f"{local['ends_at']:%H:%M:%S}",
        "recurrence": event.recurrence, "repeat_until": "",
        "reminder_minutes": ",".join(map(str, event.reminder_minutes)), "online_link": event.online_link,
        "address": event.address, "visibility": event.visibility, "capacity": event.capacity or "",
    }  # fmt: skip
    if event.online:
        data["online"] = "on"
    data.update(changes)
    return data


@pytest.fixture
def proposal(chapter_a, mailoutbox) -> Event:
    proposer = make_member("proposer@example.org", SC_ZIP).user
    mailoutbox.clear()  # the proposer's welcome mail: these tests read what the proposal brings
    return make_event(chapter_a, title="Town hall on consent", status=Event.Status.PROPOSED, proposed_by=proposer)


def test_coordinator_creates_an_event_in_its_own_zone(client, coordinator_a, chapter_a):
    client.force_login(coordinator_a)
    times = {"starts_at_0": "2027-03-02", "starts_at_1": "18:00:00", "ends_at_0": "2027-03-02", "ends_at_1": "20:00:00"}
    data = form_data(make_event(chapter_a), title="Canvass", time_zone="America/Los_Angeles", **times)
    response = client.post("/admin/events/event/add/", data)
    assert response.status_code == 302
    event = Event.objects.get(title="Canvass")
    local = event.starts_at.astimezone(event.zone)
    assert (local.hour, str(local.tzinfo)) == (18, "America/Los_Angeles")
    assert event.occurrences.count() == 1  # its date exists for RSVPs
    page = client.get(f"/admin/events/event/{event.pk}/change/").content.decode()
    assert 'value="18:00:00"' in page  # shown back in the event's zone


def test_coordinator_cannot_create_an_event_for_another_chapter_or_national(client, coordinator_a, chapter_a,
                                                                             chapter_b):  # fmt: skip
    client.force_login(coordinator_a)
    data = form_data(make_event(chapter_a), title="Elsewhere", chapter=chapter_b.pk)
    assert client.post("/admin/events/event/add/", data).status_code == 200  # the form refuses the choice
    assert client.post("/admin/events/event/add/", {**data, "chapter": ""}).status_code == 200
    assert not Event.objects.filter(title="Elsewhere").exists()


def test_coordinator_approves_a_proposal_and_the_proposer_is_told(client, coordinator_a, proposal, mailoutbox):
    client.force_login(coordinator_a)
    response = client.post("/admin/events/event/", {"action": "approve", "_selected_action": [proposal.pk]})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.SCHEDULED
    [mail] = mailoutbox
    assert mail.to == ["proposer@example.org"]
    assert "Approved" in mail.subject
    assert LogEntry.objects.filter(object_id=str(proposal.pk), change_message="Approved the proposal.").exists()


def test_coordinator_cannot_approve_another_chapters_proposal(client, coordinator_b, proposal, mailoutbox):
    client.force_login(coordinator_b)
    client.post("/admin/events/event/", {"action": "approve", "_selected_action": [proposal.pk]})
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PROPOSED
    assert not mailoutbox


def test_decline_needs_a_reason_which_is_mailed(client, coordinator_a, proposal, mailoutbox):
    client.force_login(coordinator_a)
    url = f"/admin/events/event/{proposal.pk}/change/"
    response = client.post(url, form_data(proposal, status="declined", decline_reason=""))
    assert response.status_code == 200
    assert "Say why it is declined" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PROPOSED
    assert not mailoutbox

    response = client.post(url, form_data(proposal, status="declined", decline_reason="We already table that day."))
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["proposer@example.org"]
    assert "We already table that day." in mail.body


def test_moving_an_event_mails_everyone_who_rsvpd(client, coordinator_a, chapter_a, mailoutbox):
    event = make_event(chapter_a, capacity=1)
    occurrence = event.occurrences.get()
    rsvps.rsvp_member(occurrence=occurrence, user=make_member("going@example.org", SC_ZIP).user)
    rsvps.rsvp_member(occurrence=occurrence, user=make_member("waiting@example.org", SC_ZIP).user)
    mailoutbox.clear()
    client.force_login(coordinator_a)
    day = datetime.timedelta(days=1)
    later, ends = (getattr(event, field).astimezone(event.zone) + day for field in ("starts_at", "ends_at"))
    data = form_data(event, starts_at_0=f"{later:%Y-%m-%d}", ends_at_0=f"{ends:%Y-%m-%d}",
                     address="2 New Place, Columbia, SC")  # fmt: skip
    response = client.post(f"/admin/events/event/{event.pk}/change/", data)
    assert response.status_code == 302
    occurrence.refresh_from_db()
    assert occurrence.date == later.date()
    assert occurrence.rsvps.count() == 2  # the RSVPs moved with it
    assert sorted(m.to[0] for m in mailoutbox) == ["going@example.org", "waiting@example.org"]
    assert all("2 New Place" in m.body for m in mailoutbox)


def test_cancelling_mails_everyone_who_rsvpd(client, coordinator_a, chapter_a, mailoutbox):
    event = make_event(chapter_a)
    rsvps.rsvp_member(occurrence=event.occurrences.get(), user=make_member("a@example.org", SC_ZIP).user)
    mailoutbox.clear()
    client.force_login(coordinator_a)
    client.post(f"/admin/events/event/{event.pk}/change/", form_data(event, status="cancelled"))
    [mail] = mailoutbox
    assert "Cancelled" in mail.subject


def test_raising_capacity_promotes_the_waitlist(client, coordinator_a, chapter_a):
    event = make_event(chapter_a, capacity=1)
    occurrence = event.occurrences.get()
    for n in range(3):
        rsvps.rsvp_member(occurrence=occurrence, user=make_member(f"p{n}@example.org", SC_ZIP).user)
    client.force_login(coordinator_a)
    client.post(f"/admin/events/event/{event.pk}/change/", form_data(event, capacity=2))
    assert occurrence.rsvps.going().count() == 2
    assert occurrence.rsvps.waitlisted().count() == 1


def test_member_proposes_an_event_for_their_chapter(client, chapter_a):
    member = make_member("keen@example.org", SC_ZIP).user
    client.force_login(member)
    assert client.get("/events/propose/").status_code == 200
    data = {"title": "Coffee meetup", "kind": "meeting", "time_zone": "America/New_York",
            "starts_at": "2027-05-01T10:00", "ends_at": "2027-05-01T11:00", "address": "Cafe, Columbia",
            "visibility": "public"}  # fmt: skip
    response = client.post("/events/propose/", data)
    assert response.status_code == 302
    event = Event.objects.get(title="Coffee meetup")
    assert (event.status, event.chapter, event.proposed_by) == (Event.Status.PROPOSED, chapter_a, member)
    assert event.starts_at.astimezone(event.zone).hour == 10
    assert client.get(event.get_absolute_url()).status_code == 404  # not public until approved

    response = client.post("/events/propose/", {**data, "title": "Backwards", "ends_at": "2027-05-01T09:00"})
    assert response.status_code == 200
    assert "The end must come after the start." in response.content.decode()
    assert not Event.objects.filter(title="Backwards").exists()


def test_someone_without_a_chapter_cannot_propose(client, member):
    client.force_login(member)
    response = client.get("/events/propose/")
    assert response.status_code == 403
    assert "Members of a chapter may propose events" in response.content.decode()


def test_rsvps_go_to_the_date_chosen_of_a_weekly_event(client, chapter_a):
    event = make_event(chapter_a, recurrence=Event.Recurrence.WEEKLY)
    second = event.occurrences.all()[1]
    user = make_member("weekly@example.org", SC_ZIP).user
    client.force_login(user)
    client.post(f"/events/{event.pk}/rsvp/", {"date": f"{second.date:%Y-%m-%d}"})
    assert RSVP.objects.get(user=user).occurrence == second


def test_deleting_an_event_tells_whoever_was_coming(client, coordinator_a, chapter_a, mailoutbox):
    event = make_event(chapter_a, title="Phone bank")
    for address in ("a@example.org", "b@example.org"):
        rsvps.rsvp_member(occurrence=event.occurrences.get(), user=make_member(address, SC_ZIP).user)
    mailoutbox.clear()
    client.force_login(coordinator_a)
    page = client.get(f"/admin/events/event/{event.pk}/delete/").content.decode()
    assert "2 people have said they will come to this event" in page
    response = client.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"}, follow=True)
    assert "2 people who were coming will be told it is cancelled." in response.content.decode()
    assert not Event.objects.filter(pk=event.pk).exists()
    assert sorted(m.to[0] for m in mailoutbox) == ["a@example.org", "b@example.org"]
    assert all(m.subject == "[Coalition] Cancelled: Phone bank" for m in mailoutbox)
    assert all("/events/" in m.body and f"/events/{event.pk}/" not in m.body for m in mailoutbox)


def test_deleting_an_event_nobody_is_coming_to_mails_nobody(client, coordinator_a, chapter_a, mailoutbox):
    event = make_event(chapter_a)
    client.force_login(coordinator_a)
    assert "said they will come" not in client.get(f"/admin/events/event/{event.pk}/delete/").content.decode()
    client.post(f"/admin/events/event/{event.pk}/delete/", {"post": "yes"})
    assert not Event.objects.filter(pk=event.pk).exists()
    assert mailoutbox == []
