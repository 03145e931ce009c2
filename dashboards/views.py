import csv
import functools

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from chapters.models import Chapter
from dashboards import attendance, growth
from dashboards.models import ReachSnapshot
from lib import charts
from lib.second_factor import second_factor_required
from lib.spreadsheets import spreadsheet_safe_row


def coordinator_required(view):
    """Logged-in coordinators only, with a second factor: national ones see all chapters, chapter ones their own."""
    view = second_factor_required(view)

    @login_required
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_national_coordinator or Chapter.objects.visible_to(request.user).exists()):
            raise PermissionDenied("Dashboards are for coordinators.")
        return view(request, *args, **kwargs)

    return wrapped


def csv_response(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    # Chapter names and ?ref= tags are typed by people: none may start a formula.
    writer.writerow(spreadsheet_safe_row(header))
    writer.writerows(spreadsheet_safe_row(row) for row in rows)
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
        "dashboards/reach_dashboard.html",
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
        "dashboards/_growth_charts.html",
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
        onboarding_html = render_to_string("dashboards/_onboarding_table.html", {"chapters": chapters})
        cache.set(table_key, onboarding_html, 60)
    return render(
        request,
        "dashboards/growth_dashboard.html",
        {
            "scope": scope,
            "members_now": series[-1][1] if series else 0,
            "doubling_days": growth.time_to_double(series),
            "charts_html": figures["charts_html"],
            "onboarding_html": onboarding_html,
            "pipeline": figures["pipeline"],
        },
    )


@coordinator_required
def attendance_dashboard(request: HttpRequest) -> HttpResponse:
    rows = attendance.figures(request.user)
    if request.GET.get("format") == "csv":
        header = ["chapter", "RSVPs", "came", "walk-ins", "attendance rate %", "regulars", "first-timers"]
        return csv_response("event-attendance", header, [
            [r.name, r.rsvps, r.came, r.walk_ins, "" if r.rate is None else r.rate, r.regulars, r.first_timers]
            for r in rows
        ])  # fmt: skip
    context = {"rows": rows, "window_days": attendance.WINDOW_DAYS, "regular_times": attendance.REGULAR_TIMES}
    return render(request, "dashboards/attendance_dashboard.html", context)
