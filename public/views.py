"""The public pages: home and map, a chapter's page (composed of the chapter, its call, the
question's results, its reach and endorsements), and the site-wide answers (health, robots,
error pages)."""

import sys

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static

from chapters.models import Chapter, CoalitionGoal, Officer, SocialPage
from dashboards.models import ReachSnapshot
from endorsements.models import Endorsement
from events.calls import chapter_call, national_call
from events.finding import chapter_upcoming
from lib.outages import DATABASE_UNAVAILABLE
from lib.visitor_cache import visitor_cache
from members.models import Member
from public import usmap
from question.models import Answer, answer_bars

RETRY_AFTER_SECONDS = 30


def members_without_chapter() -> dict[str, int]:
    """Counted members per state where no chapter covers them."""
    rows = Member.objects.counted().filter(chapter__isnull=True).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows.order_by()}


def home_figures() -> dict:
    tiles = usmap.state_tiles(members_without_chapter())
    active = sum(1 for tile in tiles if tile.status == "active")
    forming = sum(1 for tile in tiles if tile.status == "forming")
    progress = {"active": active, "forming": forming, "goal": CoalitionGoal.current().target_states}
    # The map is the same for everyone and is most of the page's rendering (a hundred
    # links and table rows): rendered with its figures, once a minute, not per request.
    map_html = render_to_string("public/_us_map.html", {"tiles": tiles, "progress": progress})
    return {"progress": progress, "map_html": map_html}


HOME_CACHE_KEY = "home-figures-v3"


@visitor_cache(seconds=30)
def home(request: HttpRequest) -> HttpResponse:
    # The map and progress scan members and counties: computed once a minute for everyone.
    figures = cache.get_or_set(HOME_CACHE_KEY, home_figures, 60)
    return render(request, "public/home.html", {**figures, "national_call": national_call()})


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


def favicon_ico(request: HttpRequest) -> HttpResponseRedirect:
    """Every page links its icon, but some browsers and crawlers still ask for /favicon.ico: not a 404.

    A temporary redirect: the static file's name changes with its content in production.
    """
    return redirect(static("favicon.ico"))


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


def chapter_public_members(chapter: Chapter, limit: int = 50) -> list:
    """The newest members who chose to show their name, in name order.

    Newest first along member_chapter_newest_idx: picking the first names in alphabetical
    order would sort all of a large chapter's public members on every visit.
    """
    newest = Member.objects.public_names().filter(chapter=chapter).select_related("user").order_by("-pk")[:limit]
    return sorted(newest, key=lambda m: (m.user.last_name, m.user.first_name))


@visitor_cache(seconds=30)
def chapter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    latest_reach = ReachSnapshot.objects.filter(followers__isnull=False).order_by("social_page_id", "-date")
    chapters = Chapter.objects.select_related("state").prefetch_related(
        "territory_counties",
        Prefetch("social_pages", queryset=SocialPage.objects.prefetch_related(
            Prefetch("reach_snapshots", queryset=latest_reach.distinct("social_page_id"), to_attr="latest_reach")
        )),
        Prefetch(
            "officers",
            queryset=Officer.objects.current().select_related("user").order_by("role", "term_start"),
            to_attr="current_officers",
        ),
    )  # fmt: skip
    chapter = get_object_or_404(chapters, slug=slug)
    counties = chapter.counties.order_by("name").values_list("name", flat=True)
    results = Answer.objects.results()
    state_counts = results["states"].get(chapter.state_id, {})
    member_count = Member.objects.count_for(chapter=chapter)
    context = {
        "chapter": chapter,
        "share_description": (
            f"{chapter.name}, the Coalition of the States in {chapter.state.name}. Members so far: {member_count:,}. "
            "Join, answer the question, come to the weekly call."
        ),
        "counties": counties,
        "member_count": member_count,
        "public_members": chapter_public_members(chapter),
        "call": chapter_call(chapter),
        "national_call": national_call(),
        "events": chapter_upcoming(chapter),
        "answers": answer_bars(state_counts),
        "endorsements": Endorsement.objects.published().for_state(chapter.state_id).for_wall()[:6],
    }
    return render(request, "public/chapter_detail.html", context)
