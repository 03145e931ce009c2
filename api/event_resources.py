"""OSDI events (public, without a key) and attendances (with a key), from the events app.

Events listed are those anyone may open on the site: public, and scheduled, closed or cancelled
(never proposals). Their place follows the site's rule: an online event's link and a
members-only event's address are for people who RSVP'd, so they never appear here.
Attendances are the RSVPs to one event's dates, for a key whose chapter holds the event (a key
for every chapter: any event); each member among them sees the read in their access log.
"""

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Query, Router
from ninja.decorators import decorate_view

from api.access import KEY_AUTH, PerKeyRate, logged, public
from api.paging import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, paginate
from api.representations import IDENTIFIER_PREFIX
from api.schemas import KEY_ERRORS, AttendanceCollection, Error, EventCollection, EventOut
from events.models import RSVP, Event
from lib.urls import absolute_url
from members.models import Member, MemberAccess

router = Router(tags=["events"])
OSDI_STATUS = {"scheduled": "confirmed", "closed": "confirmed", "cancelled": "cancelled"}
ATTENDANCE_STATUS = {"going": "accepted", "waitlisted": "tentative", "cancelled": "declined", "pending": "needs action"}


def public_events():
    return Event.objects.visible_to(None).select_related("chapter")


def event(item: Event, request: HttpRequest) -> dict:
    location = {"online": item.online}
    if not item.place_is_private:
        location["address"] = item.address
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}:event:{item.pk}"],
        "title": item.title,
        "description": item.description,
        "start_date": item.starts_at.isoformat(),
        "end_date": item.ends_at.isoformat(),
        "time_zone": item.time_zone,
        "recurrence": item.recurrence,
        "status": OSDI_STATUS.get(item.status, item.status),
        "visibility": item.visibility,
        "capacity": item.capacity,
        "chapter": item.chapter.name if item.chapter_id else "",
        "location": location,
        "_links": {
            "self": {"href": absolute_url(reverse("api:event-detail", args=[item.pk]), request)},
            "html": {"href": absolute_url(item.get_absolute_url(), request)},
            "osdi:attendances": {"href": absolute_url(reverse("api:attendance-list", args=[item.pk]), request)},
        },
    }


@router.get("/", response={200: EventCollection, 400: Error}, url_name="event-list", by_alias=True,
            summary="Public events, page by page")  # fmt: skip
@decorate_view(public)
def event_list(request: HttpRequest, page: int = Query(1, ge=1, le=MAX_PAGE),
               per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE), after: int | None = None,
               before: int | None = None):  # fmt: skip
    result = paginate(request, public_events(), scope="events", page=page, per_page=per_page, after=after,
                      before=before)  # fmt: skip
    return result.collection("osdi:events", [event(e, request) for e in result.items])


@router.get("/{int:event_id}/", response={200: EventOut, 404: Error}, url_name="event-detail", by_alias=True,
            summary="One public event")  # fmt: skip
@decorate_view(public)
def event_detail(request: HttpRequest, event_id: int):
    return event(get_object_or_404(public_events(), pk=event_id), request)


@router.get("/{int:event_id}/attendances/", response={200: AttendanceCollection, 404: Error, **KEY_ERRORS},
            url_name="attendance-list", by_alias=True, auth=KEY_AUTH, throttle=[PerKeyRate()],
            summary="Who RSVP'd to the event and who came (the key's chapter's events)")  # fmt: skip
@decorate_view(logged)
def attendance_list(request: HttpRequest, event_id: int, page: int = Query(1, ge=1, le=MAX_PAGE),
                    per_page: int = Query(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE), after: int | None = None,
                    before: int | None = None):  # fmt: skip
    access = request.auth
    events = Event.objects.all() if access.chapter_id is None else Event.objects.filter(chapter_id=access.chapter_id)
    item = get_object_or_404(events, pk=event_id)
    rsvps = RSVP.objects.filter(occurrence__event=item).select_related("occurrence", "user")
    result = paginate(request, rsvps, scope=f"attendances-{access.key.pk}-{item.pk}", page=page, per_page=per_page,
                      after=after, before=before)  # fmt: skip
    members = {m.user_id: m for m in Member.objects.filter(user_id__in=[r.user_id for r in result.items if r.user_id])}
    MemberAccess.objects.bulk_create(
        [MemberAccess(member=m, actor=access.key.created_by, action=MemberAccess.Action.API) for m in members.values()]
    )
    request.api_people = len(result.items)
    return result.collection("osdi:attendances", [attendance(r, members.get(r.user_id), item, request)
                                                  for r in result.items])  # fmt: skip


def attendance(rsvp: RSVP, member: Member | None, item: Event, request: HttpRequest | None) -> dict:
    """One RSVP as an OSDI attendance (links from SITE_URL without a request: webhooks)."""
    name = rsvp.user.get_full_name() if rsvp.user_id else rsvp.name
    links = {"osdi:event": {"href": absolute_url(reverse("api:event-detail", args=[item.pk]), request)}}
    if member is not None:
        links["osdi:person"] = {"href": absolute_url(reverse("api:person-detail", args=[member.pk]), request)}
    return {
        "identifiers": [f"{IDENTIFIER_PREFIX}:attendance:{rsvp.pk}"],
        "status": ATTENDANCE_STATUS.get(rsvp.status, rsvp.status),
        "attended": rsvp.attended,
        "date": rsvp.occurrence.date.isoformat(),
        "created_date": rsvp.created_at.isoformat(),
        "person": {"name": name, "email_addresses": [{"address": rsvp.email, "primary": True}]},
        "_links": links,
    }
