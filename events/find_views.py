"""The public pages for finding events: /events/ near a ZIP (with its map), and each chapter's
calendar subscription. Public events only (events/finding.py says why)."""

import icalendar
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from chapters.models import Chapter, ZipCode
from events import finding
from events.models import Event
from lib.urls import absolute_url
from lib.validators import as_one_line
from lib.visitor_cache import visitor_cache

FORMATS = [("", "In person and online"), ("in_person", "In person"), ("online", "Online")]


class SearchForm(forms.Form):
    zip = forms.CharField(
        label="ZIP code",
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    radius = forms.TypedChoiceField(label="Within", coerce=int, required=False, initial=finding.DEFAULT_RADIUS,
                                    choices=[(r, f"{r} miles") for r in finding.RADII])  # fmt: skip
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *Event.Kind.choices])
    format = forms.ChoiceField(label="Where", required=False, choices=FORMATS)

    def clean_zip(self) -> ZipCode | None:
        code = self.cleaned_data["zip"].strip()
        if not code:
            return None
        if not (len(code) == 5 and code.isascii() and code.isdigit()):
            raise forms.ValidationError("Enter a five-digit ZIP code, like 29201.")
        place = ZipCode.objects.filter(code=code).first()
        if place is None or place.latitude is None:
            raise forms.ValidationError(f"We do not know the ZIP code {code}. Check it, or try a nearby one.")
        return place

    def search(self) -> finding.Search:
        data = self.cleaned_data
        return finding.Search(zip_code=data.get("zip"), radius=data.get("radius") or finding.DEFAULT_RADIUS,
                              kind=data.get("kind") or "", format=data.get("format") or "")  # fmt: skip


@visitor_cache(seconds=30)
def event_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    search = form.search() if form.is_valid() else finding.Search()
    context = {"form": form, "search": search, "near": [], "online": [], "soonest": [], "pins": []}
    if search.zip_code is not None:
        context["near"] = finding.nearest(search)
        context["online"] = finding.online(search)
        context["pins"] = finding.map_pins(context["near"], search.zip_code, search.radius)
        context["map_size"] = finding.MAP_SIZE
    else:
        context["soonest"] = finding.everywhere(search)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "events/event_list.html", context, status=status)


@visitor_cache(seconds=60)
def chapter_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """A calendar subscription of the chapter's public events: every date ahead and the last month's.

    Served inline (no attachment) so that webcal:// subscriptions and calendar apps read it; the
    place is given only where it is public (an in-person public event's address, never a link).
    """
    chapter = get_object_or_404(Chapter, slug=slug)
    since = timezone.now() - timezone.timedelta(days=31)
    dates = (
        finding.upcoming_dates(since)
        .filter(event__in=finding.public_events().filter(chapter=chapter))
        .select_related("event")
        .order_by("starts_at")[:500]
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Coalition of the States//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", as_one_line(f"{chapter.name} events"))
    calendar.add("refresh-interval", timezone.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    for occurrence in dates:
        entry = icalendar.Event()
        event = occurrence.event
        entry.add("uid", f"occurrence-{occurrence.pk}@coalition")
        entry.add("summary", icalendar.vText(as_one_line(event.title)))
        entry.add("dtstamp", timezone.now())
        entry.add("dtstart", occurrence.starts_at.astimezone(event.zone))
        entry.add("dtend", occurrence.ends_at.astimezone(event.zone))
        entry.add("url", absolute_url(f"{event.get_absolute_url()}?date={occurrence.date:%Y-%m-%d}"))
        if not event.place_is_private:
            entry.add("location", as_one_line(event.address))
        entry.add("description", event.description)
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
