"""Check-in at the door: a host's list of one date's RSVPs on a phone, a tap to mark someone
attended, a walk-in added by name and email, and closing the event once it is over.

Hosts of the event, the coordinators of its chapter and national coordinators may check people
in. Every action is a plain form POST that redirects back to the list, so it works without
JavaScript; static/js/checkin.js sends the same POSTs in the background and updates the
row in place (the answer is then JSON instead of the redirect).
"""

import datetime
import functools
import re
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from chapters.models import Chapter
from events import signals
from events.models import RSVP, Event, Occurrence
from events.views import occurrence_for
from lib import audit
from lib.second_factor import ask_for_second_factor, has_second_factor
from lib.validators import no_control_characters

ZIP_PATTERN = re.compile(r"^[0-9]{5}$")
LISTED = 300  # rows on one screen: a large event is searched, not scrolled


def may_check_in(user, event: Event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_national_coordinator or event.hosts.filter(pk=user.pk).exists():
        return True
    return event.chapter_id is not None and Chapter.objects.visible_to(user).filter(pk=event.chapter_id).exists()


def for_hosts(view: Callable) -> Callable:
    """The view gets the event, for its hosts and coordinators only. Staff (coordinators) also need
    their second factor, as on every staff page showing people; a member who hosts does not."""

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args, **kwargs) -> HttpResponse:
        events = Event.objects.select_related("chapter").exclude(status=Event.Status.PROPOSED)
        event = get_object_or_404(events, pk=pk)
        if not may_check_in(request.user, event):
            raise PermissionDenied("Only the event's hosts and its chapter's coordinators check people in.")
        if request.user.is_staff and not has_second_factor(request.user):
            return ask_for_second_factor(request)
        return view(request, event, *args, **kwargs)

    return wrapped


def door_date(event: Event, day: str | None) -> Occurrence | None:
    """The date asked for, else today's or the next one, else the last one held (checked in afterwards)."""
    if day:
        try:
            return event.occurrences.filter(date=datetime.date.fromisoformat(day)).first()
        except ValueError:
            return None
    return occurrence_for(event, None) or event.occurrences.filter(starts_at__lte=timezone.now()).last()


class WalkInForm(forms.Form):
    name = forms.CharField(max_length=150, validators=[no_control_characters])
    email = forms.EmailField(max_length=254)
    zip_code = forms.CharField(
        label="ZIP code (optional)",
        required=False,
        max_length=5,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_zip_code(self) -> str:
        code = self.cleaned_data["zip_code"].strip()
        if code and not ZIP_PATTERN.match(code):
            raise forms.ValidationError("Enter the five digits of the ZIP code, or leave it empty.")
        return code


def back_to_list(occurrence: Occurrence, query: str = "") -> HttpResponse:
    url = f"{occurrence.event.get_absolute_url()}check-in/?date={occurrence.date:%Y-%m-%d}"
    return redirect(f"{url}&q={query}" if query else url)


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@for_hosts
def check_in_list(request: HttpRequest, event: Event) -> HttpResponse:
    return check_in_page(request, event)


def check_in_page(
    request: HttpRequest, event: Event, form: WalkInForm | None = None, status: int = 200
) -> HttpResponse:
    occurrence = door_date(event, request.GET.get("date") or request.POST.get("date"))
    query = (request.GET.get("q") or "").strip()[:100]
    people, counts = [], {"going": 0, "attended": 0}
    if occurrence is not None:
        rows = occurrence.rsvps.filter(Q(status=RSVP.Status.GOING) | Q(attended=True))
        counts = {"going": rows.count(), "attended": rows.filter(attended=True).count()}
        if query:
            rows = rows.filter(Q(name__icontains=query) | Q(email__icontains=query))
        people = list(rows.order_by("name", "email", "pk")[:LISTED])
    context = {
        "event": event,
        "occurrence": occurrence,
        "dates": list(event.occurrences.order_by("-starts_at")[:12]),
        "people": people,
        "query": query,
        "counts": counts,
        "form": form or WalkInForm(),
        "may_close": event.status == Event.Status.SCHEDULED and can_close(event),
    }
    return render(request, "events/check_in.html", context, status=status)


def date_posted(request: HttpRequest, event: Event) -> Occurrence:
    occurrence = door_date(event, request.POST.get("date"))
    if occurrence is None:
        raise PermissionDenied("This event has no such date.")
    return occurrence


@require_POST
@for_hosts
def mark_attended(request: HttpRequest, event: Event, rsvp_pk: int) -> HttpResponse:
    """Tick (or untick, with attended=0) one person on one date."""
    rsvp = get_object_or_404(RSVP.objects.select_related("occurrence__event"), pk=rsvp_pk, occurrence__event=event)
    attended = request.POST.get("attended", "1") != "0"
    with transaction.atomic():
        rsvp.attended, rsvp.attended_at = attended, timezone.now() if attended else None
        rsvp.save(update_fields=["attended", "attended_at"])
        if attended:
            signals.attendance_recorded.send(sender=RSVP, rsvp=rsvp)
    if wants_json(request):
        return JsonResponse({"id": rsvp.pk, "attended": rsvp.attended,
                             "count": rsvp.occurrence.rsvps.filter(attended=True).count()})  # fmt: skip
    messages.success(request, f"{rsvp.name or rsvp.email}: {'here' if attended else 'not checked in'}.")
    return back_to_list(rsvp.occurrence, request.POST.get("q", ""))


@transaction.atomic
def add_walk_in(*, occurrence: Occurrence, name: str, email: str, zip_code: str) -> RSVP:
    """Someone who came without an RSVP (or whose RSVP was cancelled or waitlisted): they are here."""
    rsvp = occurrence.rsvps.select_for_update().filter(email__iexact=email).first()
    if rsvp is None:
        rsvp = RSVP(occurrence=occurrence, email=email, name=name, zip_code=zip_code, walk_in=True)
        rsvp.confirmed_at = timezone.now()
    if rsvp.status != RSVP.Status.GOING:
        rsvp.status = RSVP.Status.GOING
        rsvp.cancelled_at = None
    rsvp.attended, rsvp.attended_at = True, timezone.now()
    rsvp.save()
    signals.attendance_recorded.send(sender=RSVP, rsvp=rsvp)
    return rsvp


@require_POST
@for_hosts
def walk_in(request: HttpRequest, event: Event) -> HttpResponse:
    occurrence = date_posted(request, event)
    form = WalkInForm(request.POST)
    if not form.is_valid():
        return check_in_page(request, event, form=form, status=400)
    data = form.cleaned_data
    rsvp = add_walk_in(occurrence=occurrence, name=data["name"], email=data["email"], zip_code=data["zip_code"])
    messages.success(request, f"{rsvp.name or rsvp.email} is checked in.")
    return back_to_list(occurrence)


def can_close(event: Event) -> bool:
    """A one-off event closes once it has started; a weekly one keeps going, date after date."""
    return event.recurrence != Event.Recurrence.WEEKLY and event.starts_at <= timezone.now()


@require_POST
@for_hosts
def close_event(request: HttpRequest, event: Event) -> HttpResponse:
    """After the event: no more RSVPs; its attendance stays and can still be corrected."""
    if event.status != Event.Status.SCHEDULED or not can_close(event):
        messages.error(request, "Only a one-off event that has started can be closed.")
    else:
        event.status = Event.Status.CLOSED
        event.save(update_fields=["status", "updated_at"])
        audit.record(request.user, event, "Closed after the event (check-in).")
        messages.success(request, f"{event.title} is closed. Thanks for hosting.")
    return redirect(f"{event.get_absolute_url()}check-in/")
