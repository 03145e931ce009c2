import sys

import psycopg
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_POST

from chapters.models import Chapter, CoalitionGoal, State
from coalition import calls, charts, growth, usmap
from coalition.forms import AnswerForm
from coalition.models import Answer, CallAttendance, ReachSnapshot, answer_bars
from coalition.visitor_cache import visitor_cache
from members.models import Member

RETRY_AFTER_SECONDS = 30
# Django wraps the driver's errors in its own, except where it calls the driver outside its
# wrapper: closing a server-side cursor (QuerySet.iterator(), a ModelChoiceField's options)
# on a connection PostgreSQL dropped raises psycopg's own OperationalError (found by make soak).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
VISITOR_COOKIE = "coalition_visitor"
VISITOR_SALT = "coalition.question.visitor"


def members_without_chapter() -> dict[str, int]:
    """Counted members per state where no chapter covers them."""
    rows = Member.objects.counted().filter(chapter__isnull=True).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows.order_by()}


def home_figures() -> dict:
    tiles = usmap.state_tiles(members_without_chapter())
    active = sum(1 for tile in tiles if tile.status == "active")
    progress = {"active": active, "goal": CoalitionGoal.current().target_states}
    # The map is the same for everyone and is most of the page's rendering (a hundred
    # links and table rows): rendered with its figures, once a minute, not per request.
    map_html = render_to_string("_us_map.html", {"tiles": tiles, "progress": progress})
    return {"progress": progress, "map_html": map_html}


HOME_CACHE_KEY = "home-figures-v2"


@visitor_cache(seconds=30)
def home(request: HttpRequest) -> HttpResponse:
    # The map and progress scan members and counties: computed once a minute for everyone.
    figures = cache.get_or_set(HOME_CACHE_KEY, home_figures, 60)
    return render(request, "home.html", {**figures, "national_call": calls.national_call()})


def health(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database answers; 503 with the reason when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        response = JsonResponse({"status": "unavailable", "database": str(exc).strip()}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse("ok", content_type="text/plain")


ROBOTS_TXT = """\
User-agent: *
Disallow: /admin/
Disallow: /accounts/
Disallow: /profile/
Disallow: /dashboard/
Disallow: /join/claim/
"""


def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may index the public site, not the admin, accounts or people's own pages.

    Also the benchmark's "minimal Django view": nothing but the URL routing and the full
    middleware stack stands between it and the response (scripts/bench.py).
    """
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")


def database_unavailable(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Rendered without the request: the context processors would load the user and
    # the messages from the database that just went away.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage that surfaces outside a view still gets the 503 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return database_unavailable(request, exception)
    return HttpResponseServerError(render_to_string("500.html"))


# Weekly calls


def all_calls() -> list[calls.WeeklyCall]:
    chapters = Chapter.objects.exclude(status=Chapter.Status.DORMANT).order_by("name")
    return [calls.national_call(), *filter(None, (calls.chapter_call(c) for c in chapters))]


def call_by_key(key: str) -> calls.WeeklyCall:
    if key == "national":
        return calls.national_call()
    chapter = Chapter.objects.exclude(status=Chapter.Status.DORMANT).filter(slug=key).first()
    call = calls.chapter_call(chapter) if chapter else None
    if call is None:
        raise Http404("No such call.")
    return call


def may_see_attendance(user, call: calls.WeeklyCall) -> bool:
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
    return render(request, "coalition/call_list.html", {"rows": rows, "viewer_zone": viewer_zone(request)})


def viewer_zone(request: HttpRequest) -> str | None:
    """The logged-in member's own time zone, from their ZIP code, when we know it."""
    member = getattr(request.user, "member", None) if request.user.is_authenticated else None
    zip_code = getattr(member, "zip_code", None)
    return getattr(zip_code, "timezone", None) or None


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
    return redirect("call-list")


# The question


def visitor_token(request: HttpRequest) -> str | None:
    raw = request.COOKIES.get(VISITOR_COOKIE)
    if not raw:
        return None
    try:
        return signing.loads(raw, salt=VISITOR_SALT)
    except signing.BadSignature:
        return None


def existing_answer(request: HttpRequest) -> Answer | None:
    if request.user.is_authenticated:
        return Answer.objects.filter(user=request.user).first()
    token = visitor_token(request)
    return Answer.objects.filter(visitor=token).first() if token else None


@visitor_cache(seconds=30, csrf=True)
def question(request: HttpRequest) -> HttpResponse:
    answer = existing_answer(request)
    form = AnswerForm(
        initial={"state": answer.state_id if answer else None, "choice": answer.choice if answer else None}
    )
    return render(request, "coalition/question.html", question_context(form, answer))


def question_context(form: AnswerForm, answer: Answer | None) -> dict:
    results = Answer.objects.results()
    phrasings = (
        Chapter.objects.exclude(question="").exclude(status=Chapter.Status.DORMANT).select_related("state")
        .only("name", "slug", "question", "state__name").order_by("state__name", "name")
    )  # fmt: skip
    states = {s.code: s.name for s in State.objects.all()}
    state_rows = sorted(
        (
            {"code": code, "name": states.get(code, code), **answer_bars(counts)}
            for code, counts in results["states"].items()
        ),
        key=lambda row: (-row["total"], row["name"]),
    )
    return {
        "form": form,
        "answer": answer,
        "national": answer_bars(results["national"]),
        "state_rows": state_rows,
        "phrasings": phrasings,
    }


@require_POST
def question_answer(request: HttpRequest) -> HttpResponse:
    form = AnswerForm(request.POST)
    answer = existing_answer(request)
    if not form.is_valid():
        return render(request, "coalition/question.html", question_context(form, answer), status=400)
    if not ratelimit.consume(request, action="answer_question"):
        form.add_error(None, "Too many answers from your network just now. Please try again in an hour.")
        return render(request, "coalition/question.html", question_context(form, answer), status=429)

    new_token = None
    if answer is None:
        answer = Answer(choice=form.cleaned_data["choice"], state=form.cleaned_data["state"])
        if request.user.is_authenticated:
            answer.user = request.user
        else:
            new_token = get_random_string(32)
            answer.visitor = new_token
        try:
            with transaction.atomic():
                answer.save()
        except IntegrityError:  # the same person answered twice at once: keep the first
            messages.info(request, "We already have your answer.")
            return redirect("question")
        messages.success(request, "Thank you: your answer is counted.")
    else:
        answer.choice = form.cleaned_data["choice"]
        answer.state = form.cleaned_data["state"] or answer.state
        answer.save(update_fields=["choice", "state", "updated_at"])
        messages.success(request, "Your answer is updated: each person counts once.")
    response = redirect("question")
    if new_token:
        response.set_cookie(
            VISITOR_COOKIE,
            signing.dumps(new_token, salt=VISITOR_SALT),
            max_age=60 * 60 * 24 * 365 * 2,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


# Coordinators' dashboards


def coordinator_required(view):
    """Logged-in coordinators only: national ones see all chapters, chapter ones their own."""

    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_national_coordinator or Chapter.objects.visible_to(request.user).exists()):
            raise PermissionDenied("Dashboards are for coordinators.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def csv_response(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@coordinator_required
def reach_dashboard(request: HttpRequest) -> HttpResponse:
    snapshots = ReachSnapshot.objects.visible_to(request.user)
    national, by_chapter = snapshots.follower_totals()
    total_chart = charts.line_chart(
        "Total followers" if request.user.is_national_coordinator else "Followers of your chapters",
        [charts.Series("Total followers", national)],
    )
    chapter_chart = charts.line_chart("Followers by chapter", [charts.Series(c, p) for c, p in by_chapter.items()])
    if request.GET.get("format") == "csv":
        header, rows = chapter_chart.table
        return csv_response("reach-by-chapter", header, rows)
    return render(
        request,
        "coalition/reach_dashboard.html",
        {
            "total_chart": total_chart,
            "chapter_chart": chapter_chart,
            "latest_total": national[-1][1] if national else 0,
            "posts": snapshots.notable_posts(),
        },
    )


def growth_members_chart(scope: growth.Scope, series: list) -> charts.LineChart:
    title = "Members, all chapters" if scope.national else "Members of your chapters"
    return charts.line_chart(title, [charts.Series("Members", series)])


def growth_figures(scope: growth.Scope) -> dict:
    """The scope's figures and their charts rendered (two years of days: most of the page's work)."""
    figures = growth.figures(scope)
    figures["charts_html"] = render_to_string(
        "coalition/_growth_charts.html",
        {
            "members_chart": growth_members_chart(scope, figures["series"]),
            "weekly_chart": charts.bar_chart("New members per week", figures["weekly"]),
            "sources_chart": charts.bar_chart("Where members came from", figures["sources"]),
        },
    )
    return figures


@coordinator_required
def growth_dashboard(request: HttpRequest) -> HttpResponse:
    scope = growth.scope_for(request.user)
    # Both in one round trip to the shared cache: the history's figures (five minutes), and
    # the onboarding table (a minute, so a chapter's progress shows soon after it is made).
    figures_key, table_key = f"growth-v2-{scope.key}", f"growth-onboarding-v1-{scope.key}"
    cached = cache.get_many([figures_key, table_key])
    figures = cached.get(figures_key)
    if figures is None:
        figures = growth_figures(scope)
        cache.set(figures_key, figures, 300)
    series, weekly, source_rows = figures["series"], figures["weekly"], figures["sources"]
    figure = request.GET.get("csv")
    if figure == "members":
        header, rows = growth_members_chart(scope, series).table
        return csv_response("members-over-time", header, rows)
    if figure == "weekly":
        return csv_response("new-members-per-week", ["week", "new members"], [list(r) for r in weekly])
    if figure == "sources":
        return csv_response("signup-sources", ["source", "members"], [list(r) for r in source_rows])
    onboarding_html = cached.get(table_key)
    if onboarding_html is None:
        chapters = Chapter.objects.visible_to(request.user).with_onboarding().select_related("state")
        onboarding_html = render_to_string("coalition/_onboarding_table.html", {"chapters": chapters})
        cache.set(table_key, onboarding_html, 60)
    return render(
        request,
        "coalition/growth_dashboard.html",
        {
            "scope": scope,
            "members_now": series[-1][1] if series else 0,
            "doubling_days": growth.time_to_double(series),
            "charts_html": figures["charts_html"],
            "onboarding_html": onboarding_html,
            "pipeline": figures["pipeline"],
        },
    )
