"""No place is given twice: RSVPs racing for the last place are counted one at a time."""

import threading

from django.db import connections

from events import rsvps
from events.models import RSVP
from tests.factories import SC_ZIP, make_event, make_member

RACERS = 8


def test_concurrent_rsvps_never_overfill_an_event(transactional_db, chapter_a):
    event = make_event(chapter_a, capacity=3)
    occurrence = event.occurrences.get()
    users = [make_member(f"racer{n}@example.org", SC_ZIP).user for n in range(RACERS)]
    start = threading.Barrier(RACERS)
    errors = []

    def rsvp(user) -> None:
        try:
            start.wait()
            rsvps.rsvp_member(occurrence=occurrence, user=user)
        except Exception as error:  # reported below: a thread's exception would vanish
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rsvp, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert occurrence.rsvps.going().count() == 3
    assert occurrence.rsvps.waitlisted().count() == RACERS - 3


def test_concurrent_cancellations_promote_each_waiting_person_once(transactional_db, chapter_a):
    event = make_event(chapter_a, capacity=2)
    occurrence = event.occurrences.get()
    users = [make_member(f"racer{n}@example.org", SC_ZIP).user for n in range(6)]
    for user in users:
        rsvps.rsvp_member(occurrence=occurrence, user=user)
    going = list(occurrence.rsvps.going())
    start = threading.Barrier(len(going))

    def cancel(rsvp) -> None:
        try:
            start.wait()
            rsvps.cancel_rsvp(rsvp=rsvp)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cancel, args=(rsvp,)) for rsvp in going]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert occurrence.rsvps.going().count() == 2
    assert occurrence.rsvps.waitlisted().count() == 2
    assert RSVP.objects.filter(status=RSVP.Status.CANCELLED).count() == 2
