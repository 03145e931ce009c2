"""The weekly calls become recurring events, and every CallAttendance an RSVP to its date.

Before this, calls/ computed the national call from settings (NATIONAL_CALL_*) and each
chapter's from its call_* fields, and a CallAttendance named a call by key ("national" or a
chapter's slug) and a date. Each key gets one weekly event (the chapter's or the national
standing call), each attended date an Occurrence, each attendance a going RSVP made at the
same moment. A key that names no chapter, or a chapter that no longer holds a call, still
gets an event (closed), so no attendance is lost. Backwards, the RSVPs of the events this
migration made (those with a call_key) become CallAttendance rows again and the events go.
The code here is written for this migration alone, not imported from the apps.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

HOUR = datetime.timedelta(hours=1)


def first_on_or_after(day: datetime.date, weekday: int) -> datetime.date:
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def national_spec() -> dict:
    hour, minute = (int(part) for part in settings.NATIONAL_CALL_TIME.split(":"))
    return {
        "title": "National coordinators' weekly call",
        "weekday": settings.NATIONAL_CALL_WEEKDAY,
        "time": datetime.time(hour, minute),
        "zone": settings.NATIONAL_CALL_TIMEZONE,
        "link": settings.NATIONAL_CALL_LINK,
        "chapter": None,
        "standing": True,
    }


def chapter_spec(chapter) -> dict:
    holds_call = chapter.call_weekday is not None and chapter.call_time is not None and chapter.call_timezone
    national = national_spec()
    return {
        "title": f"{chapter.name} weekly call",
        "weekday": chapter.call_weekday if holds_call else national["weekday"],
        "time": chapter.call_time if holds_call else national["time"],
        "zone": chapter.call_timezone if holds_call else national["zone"],
        "link": "",
        "chapter": chapter,
        "standing": bool(holds_call),
    }


def calls_to_events(apps, schema_editor) -> None:
    Chapter = apps.get_model("chapters", "Chapter")
    CallAttendance = apps.get_model("calls", "CallAttendance")
    Event = apps.get_model("events", "Event")
    Occurrence = apps.get_model("events", "Occurrence")
    RSVP = apps.get_model("events", "RSVP")

    specs = {"national": national_spec()}
    for chapter in Chapter.objects.all():
        spec = chapter_spec(chapter)
        if spec["standing"]:
            specs[chapter.slug] = spec
    for key in CallAttendance.objects.values_list("call", flat=True).distinct():
        if key not in specs:
            chapter = Chapter.objects.filter(slug=key).first()
            specs[key] = chapter_spec(chapter) if chapter else {**national_spec(), "title": f"Weekly call ({key})"}
            specs[key]["standing"] = False

    today = datetime.date.today()
    for key, spec in specs.items():
        zone = ZoneInfo(spec["zone"])
        attended = sorted(set(CallAttendance.objects.filter(call=key).values_list("date", flat=True)))
        first = min([*attended, first_on_or_after(today, spec["weekday"])])
        start = datetime.datetime.combine(first, spec["time"], tzinfo=zone)
        event = Event.objects.filter(standing_call=True, chapter=spec["chapter"]).first() if spec["standing"] else None
        if event is None:
            event = Event.objects.create(
                chapter=spec["chapter"], title=spec["title"], slug="weekly-call", kind="call",
                time_zone=spec["zone"], starts_at=start, ends_at=start + HOUR, recurrence="weekly",
                online=True, online_link=spec["link"], visibility="public",
                status="scheduled" if spec["standing"] else "closed",
                standing_call=spec["standing"], call_key=key,
            )  # fmt: skip
        for day in attended:
            occurrence_start = datetime.datetime.combine(day, spec["time"], tzinfo=zone)
            occurrence, _ = Occurrence.objects.get_or_create(
                event=event, date=day, defaults={"starts_at": occurrence_start, "ends_at": occurrence_start + HOUR}
            )
            for attendance in CallAttendance.objects.filter(call=key, date=day).select_related("user"):
                user = attendance.user
                RSVP.objects.get_or_create(
                    occurrence=occurrence, user=user,
                    defaults={
                        "email": user.email, "name": f"{user.first_name} {user.last_name}".strip(),
                        "status": "going", "created_at": attendance.created_at, "confirmed_at": attendance.created_at,
                    },
                )  # fmt: skip


def events_to_calls(apps, schema_editor) -> None:
    CallAttendance = apps.get_model("calls", "CallAttendance")
    Event = apps.get_model("events", "Event")
    RSVP = apps.get_model("events", "RSVP")

    for event in Event.objects.exclude(call_key="").select_related("chapter"):
        rsvps = RSVP.objects.filter(occurrence__event=event, user__isnull=False, status="going")
        for rsvp in rsvps.select_related("occurrence"):
            attendance, created = CallAttendance.objects.get_or_create(
                user_id=rsvp.user_id, call=event.call_key, date=rsvp.occurrence.date
            )
            if created:  # auto_now_add stamped it now; it keeps the moment they said yes
                CallAttendance.objects.filter(pk=attendance.pk).update(created_at=rsvp.created_at)
        event.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_events_occurrences_rsvps"),
        ("calls", "0001_moved_from_coalition"),
        ("chapters", "0007_text_refuses_control_characters"),
    ]

    operations = [migrations.RunPython(calls_to_events, events_to_calls)]
