from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from calls.models import CallAttendance, WeeklyCall, chapter_call, national_call
from chapters.models import Chapter
from lib.visitor_cache import visitor_cache


def all_calls() -> list[WeeklyCall]:
    chapters = Chapter.objects.exclude(status=Chapter.Status.DORMANT).order_by("name")
    return [national_call(), *filter(None, (chapter_call(c) for c in chapters))]


def call_by_key(key: str) -> WeeklyCall:
    if key == "national":
        return national_call()
    chapter = Chapter.objects.exclude(status=Chapter.Status.DORMANT).filter(slug=key).first()
    call = chapter_call(chapter) if chapter else None
    if call is None:
        raise Http404("No such call.")
    return call


def may_see_attendance(user, call: WeeklyCall) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_national_coordinator:
        return True
    coordinated = Chapter.objects.visible_to(user)
    return coordinated.exists() if call.key == "national" else coordinated.filter(slug=call.key).exists()


def call_list(request: HttpRequest) -> HttpResponse:
    rows = []
    for call in all_calls():
        start = call.next_occurrence()
        row = {"call": call, "start": start, "attending": None, "count": None}
        rows.append(row)
    if request.user.is_authenticated:
        keys_dates = {(r["call"].key, r["start"].date()) for r in rows}
        mine = set(
            CallAttendance.objects.filter(user=request.user, call__in=[k for k, _ in keys_dates]).values_list(
                "call", "date"
            )
        )
        for row in rows:
            row["attending"] = (row["call"].key, row["start"].date()) in mine
            if may_see_attendance(request.user, row["call"]):
                row["count"] = CallAttendance.objects.filter(call=row["call"].key, date=row["start"].date()).count()
    # The viewer's own time is shown by templates/calls/_call.html (calls/templatetags/call_times.py),
    # the same on the home and chapter pages as here.
    return render(request, "calls/call_list.html", {"rows": rows})


def call_ics(request: HttpRequest, key: str) -> HttpResponse:
    """A one-off download: the call's next occurrence only."""
    call = call_by_key(key)
    response = HttpResponse(call.to_ical(recurring=False), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{call.key}-call.ics"'
    return response


@visitor_cache(seconds=30)
def call_feed(request: HttpRequest, key: str) -> HttpResponse:
    """A calendar subscription: the weekly series with its recurrence rule and time zone."""
    call = call_by_key(key)
    return HttpResponse(call.to_ical(recurring=True), content_type="text/calendar; charset=utf-8")


@login_required
@require_POST
def call_attend(request: HttpRequest, key: str) -> HttpResponse:
    call = call_by_key(key)
    date = call.next_occurrence().date()
    if request.POST.get("attend") == "no":
        CallAttendance.objects.filter(user=request.user, call=call.key, date=date).delete()
        messages.info(request, f"You are no longer down for the {call.title} on {date:%A, %B %-d}.")
    else:
        CallAttendance.objects.get_or_create(user=request.user, call=call.key, date=date)
        messages.success(request, f"Thanks: you are down for the {call.title} on {date:%A, %B %-d}.")
    return redirect("calls:call-list")
