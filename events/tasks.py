"""The events' periodic work, run by the task queue's workers."""

from procrastinate.contrib.django import app

from events import rsvps
from events.models import Event


@app.periodic(cron="* * * * *", periodic_id="send_event_reminders")
@app.task(name="send_event_reminders", queue="events", queueing_lock="send_event_reminders")
def send_event_reminders(timestamp: int) -> None:
    """Every minute: mail the reminders now due (each is recorded, so none goes twice)."""
    rsvps.send_due_reminders()


@app.periodic(cron="11 * * * *", periodic_id="materialise_event_dates")
@app.task(name="materialise_event_dates", queue="events", queueing_lock="materialise_event_dates")
def materialise_event_dates(timestamp: int) -> None:
    """Hourly: make the next weeks' dates of every weekly event, so people can RSVP to them."""
    for event in Event.objects.scheduled().filter(recurrence=Event.Recurrence.WEEKLY):
        event.materialise()
