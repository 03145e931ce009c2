import datetime

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from chapters.models import Chapter
from events import rsvps
from events.calls import WeeklyCall, all_calls, call_by_key
from events.forms import ProposalForm, VisitorRSVPForm
from events.models import RSVP, Event, Occurrence
from lib import tokens
from lib.visitor_cache import visitor_cache
from members.forms import JoinForm
from members.views import join

UPCOMING_SHOWN = 6  # a weekly event's next dates offered on its page


# Event pages ------------------------------------------------------------------


def occurrence_for(event: Event, day: str | None) -> Occurrence | None:
    """The date asked for (?date=YYYY-MM-DD), else the next one; None when none is ahead."""
    if event.recurrence:  # the periodic task makes the weeks ahead; this covers a worker that is behind
        event.materialise()
    upcoming = event.occurrences.upcoming()
    if day:
        try:
            return upcoming.filter(date=datetime.date.fromisoformat(day)).first()
        except ValueError:
            return None
    return upcoming.first()


def visible_event(request: HttpRequest, pk: int) -> Event:
    return get_object_or_404(Event.objects.visible_to(request.user).select_related("chapter"), pk=pk)


def my_rsvp(request: HttpRequest, occurrence: Occurrence | None) -> RSVP | None:
    if occurrence is None or not request.user.is_authenticated:
        return None
    return occurrence.rsvps.filter(user=request.user).exclude(status=RSVP.Status.CANCELLED).first()


def event_detail(request: HttpRequest, pk: int, form: VisitorRSVPForm | None = None,
                 join_form: JoinForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    event = visible_event(request, pk)
    occurrence = occurrence_for(event, request.GET.get("date") or request.POST.get("date"))
    mine = my_rsvp(request, occurrence)
    is_host = request.user.is_authenticated and event.hosts.filter(pk=request.user.pk).exists()
    going = occurrence.rsvps.going().count() if occurrence else 0
    context = {
        "event": event,
        "occurrence": occurrence,
        "upcoming": list(event.occurrences.upcoming()[:UPCOMING_SHOWN]) if event.recurrence else [],
        "rsvp": mine,
        # The link, or a members-only event's address: for people with a place, and the hosts.
        "show_place": not event.place_is_private or is_host or (mine is not None and mine.status == RSVP.Status.GOING),
        "going": going,
        "places_left": None if event.capacity is None else max(0, event.capacity - going),
        "open": event.status == Event.Status.SCHEDULED and occurrence is not None and not occurrence.cancelled,
        "form": form or VisitorRSVPForm(),
        "join_form": join_form or JoinForm(),
        "share_description": (event.description or event.title)[:155],
    }
    return render(request, "events/event_detail.html", context, status=status)


def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """A one-off download of one date; with the private place only for someone going."""
    event = visible_event(request, pk)
    occurrence = occurrence_for(event, request.GET.get("date"))
    if occurrence is None:
        raise Http404("This event has no date ahead.")
    mine = my_rsvp(request, occurrence)
    going = mine is not None and mine.status == RSVP.Status.GOING
    response = HttpResponse(
        rsvps.occurrence_ical(occurrence, with_place=going), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-{occurrence.date:%Y%m%d}.ics"'
    return response


@require_POST
def event_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's one tap (or "I can't make it"); a visitor's details, and perhaps their signup."""
    event = visible_event(request, pk)
    occurrence = occurrence_for(event, request.POST.get("date"))
    if occurrence is None or occurrence.cancelled or event.status != Event.Status.SCHEDULED:
        messages.error(request, "This date is not open for RSVPs.")
        return redirect(event)
    back = f"{event.get_absolute_url()}?date={occurrence.date:%Y-%m-%d}"
    if request.user.is_authenticated:
        if request.POST.get("attend") == "no":
            mine = my_rsvp(request, occurrence)
            if mine is not None:
                rsvps.cancel_rsvp(rsvp=mine)
            messages.info(request, f"You are no longer down for {event.title} on {occurrence.date:%A, %B %-d}.")
        else:
            rsvp = rsvps.rsvp_member(occurrence=occurrence, user=request.user)
            messages.success(request, member_message(rsvp))
        return redirect(back)
    form = VisitorRSVPForm(request.POST)
    wants_to_join = request.POST.get("join") == "on"
    join_form = JoinForm(request.POST) if wants_to_join else None
    if not form.is_valid() or (join_form is not None and not join_form.is_valid()):
        return event_detail(request, pk, form=form, join_form=join_form)
    # Counted only once valid, so a typo costs nothing.
    if not ratelimit.consume(request, action="rsvp_visitor"):
        return render(request, "events/rsvp_rate_limited.html", status=429)
    data = form.cleaned_data
    rsvps.rsvp_visitor(
        occurrence=occurrence, name=f"{data['first_name']} {data['last_name']}", email=data["email"],
        zip_code=data["zip_code"], phone=str(data.get("phone") or ""),
    )  # fmt: skip
    if join_form is not None:
        # The join page's own view signs them up (allauth's checks, verification mail, next page).
        return join(request)
    messages.success(request, f"Check your email: we sent a link to {data['email']} to confirm your RSVP.")
    return redirect(back)


def member_message(rsvp: RSVP) -> str:
    when = f"{rsvp.occurrence.date:%A, %B %-d}"
    if rsvp.status == RSVP.Status.WAITLISTED:
        return f"It is full on {when}: you are on the waitlist, and we will email you if a place frees up."
    return f"Thanks: you are down for {rsvp.occurrence.event.title} on {when}. We emailed you the details."


def rsvp_from_token(purpose: str, token: str) -> tuple[RSVP | None, str]:
    """The RSVP a mailed link names, or None with what to tell the visitor."""
    try:
        link = tokens.read_token(purpose, token)
    except tokens.ExpiredToken:
        return None, "This link has expired."
    except tokens.InvalidToken:
        return None, "This link is not valid. Check that you copied all of it."
    rsvp = RSVP.objects.select_related("occurrence__event").filter(pk=link.pk).first()
    if rsvp is None or (purpose == "rsvp-confirm" and not link.matches(rsvp.status)):
        return None, "This link has already been used, or its RSVP no longer exists."
    return rsvp, ""


def rsvp_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links); POST confirms."""
    rsvp, problem = rsvp_from_token("rsvp-confirm", token)
    if rsvp is not None and request.method == "POST":
        rsvp = rsvps.confirm_rsvp(rsvp=rsvp)
        return render(request, "events/rsvp_done.html", {"rsvp": rsvp, "done": "confirmed"})
    return render(request, "events/rsvp_link.html", {"rsvp": rsvp, "problem": problem, "action": "confirm"},
                  status=200 if rsvp else 400)  # fmt: skip


def rsvp_cancel(request: HttpRequest, token: str) -> HttpResponse:
    rsvp, problem = rsvp_from_token("rsvp-cancel", token)
    if rsvp is not None and request.method == "POST":
        rsvp = rsvps.cancel_rsvp(rsvp=rsvp)
        return render(request, "events/rsvp_done.html", {"rsvp": rsvp, "done": "cancelled"})
    return render(request, "events/rsvp_link.html", {"rsvp": rsvp, "problem": problem, "action": "cancel"},
                  status=200 if rsvp else 400)  # fmt: skip


@login_required
def event_propose(request: HttpRequest) -> HttpResponse:
    """Members of a chapter propose an event; its coordinators decide in the admin."""
    member = getattr(request.user, "member", None)
    chapter = member.chapter if member is not None and member.is_counted else None
    if chapter is None:
        return render(request, "events/event_propose.html", {"chapter": None}, status=403)
    form = ProposalForm(request.POST or None, initial={"time_zone": "America/Chicago"})
    if request.method == "POST" and form.is_valid():
        event = rsvps.propose_event(user=request.user, event=form.save(commit=False))
        messages.success(request, f"Thanks: {chapter.name}'s coordinators will review “{event.title}”.")
        return redirect("events:event-propose")
    return render(request, "events/event_propose.html", {"chapter": chapter, "form": form})


# The weekly calls, at their old addresses -------------------------------------


def call_or_404(key: str) -> WeeklyCall:
    call = call_by_key(key)
    if call is None:
        raise Http404("No such call.")
    return call


def occurrence_of(call: WeeklyCall, start: datetime.datetime) -> Occurrence:
    event = call.event
    occurrence, _ = Occurrence.objects.get_or_create(
        event=event, date=start.date(), defaults={"starts_at": start, "ends_at": start + event.duration}
    )
    return occurrence


def may_see_attendance(user, call: WeeklyCall) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_national_coordinator:
        return True
    coordinated = Chapter.objects.visible_to(user)
    return coordinated.exists() if call.key == "national" else coordinated.filter(pk=call.event.chapter_id).exists()


def call_list(request: HttpRequest) -> HttpResponse:
    rows = [{"call": call, "start": call.next_occurrence()} for call in all_calls()]
    if request.user.is_authenticated:
        wanted = Q()
        for row in rows:
            wanted |= Q(event=row["call"].event, date=row["start"].date())
        going = Q(rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED])
        found = {
            (o.event_id, o.date): o
            for o in Occurrence.objects.filter(wanted).annotate(
                count=Count("rsvps", filter=going),
                mine=Count("rsvps", filter=going & Q(rsvps__user=request.user)),
            )
        }
        for row in rows:
            occurrence = found.get((row["call"].event.pk, row["start"].date()))
            row["attending"] = bool(occurrence and occurrence.mine)
            row["link"] = row["call"].event.online_link if row["attending"] else ""
            if may_see_attendance(request.user, row["call"]):
                row["count"] = occurrence.count if occurrence else 0
    return render(request, "events/call_list.html", {"rows": rows})


def call_ics(request: HttpRequest, key: str) -> HttpResponse:
    """A one-off download: the call's next occurrence only."""
    call = call_or_404(key)
    response = HttpResponse(call.to_ical(recurring=False), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{call.key}-call.ics"'
    return response


@visitor_cache(seconds=30)
def call_feed(request: HttpRequest, key: str) -> HttpResponse:
    """A calendar subscription: the weekly series with its recurrence rule and time zone."""
    call = call_or_404(key)
    return HttpResponse(call.to_ical(recurring=True), content_type="text/calendar; charset=utf-8")


@login_required
@require_POST
def call_attend(request: HttpRequest, key: str) -> HttpResponse:
    """The calls page's one tap: an RSVP to the call's next date."""
    call = call_or_404(key)
    occurrence = occurrence_of(call, call.next_occurrence())
    date = f"{occurrence.date:%A, %B %-d}"
    if request.POST.get("attend") == "no":
        mine = occurrence.rsvps.filter(user=request.user).first()
        if mine is not None:
            rsvps.cancel_rsvp(rsvp=mine)
        messages.info(request, f"You are no longer down for the {call.title} on {date}.")
    else:
        rsvps.rsvp_member(occurrence=occurrence, user=request.user)
        messages.success(request, f"Thanks: you are down for the {call.title} on {date}.")
    return redirect("calls:call-list")
