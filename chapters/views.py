from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from chapters.forms import FindChapterForm
from chapters.models import Chapter, CoalitionGoal, County, Officer, SocialPage
from chapters.onboarding import InvitationError, accept_invitation, user_for_invitation
from coalition.visitor_cache import visitor_cache


def chapter_list(request: HttpRequest) -> HttpResponse:
    chapters = Chapter.objects.select_related("state").order_by("state__name", "name")
    reached, target = CoalitionGoal.current().progress()
    return render(
        request,
        "chapters/chapter_list.html",
        {"chapters": chapters, "reached": reached, "target": target, "form": FindChapterForm()},
    )


def chapter_public_members(chapter: Chapter, limit: int = 50) -> list:
    """The newest members who chose to show their name, in name order.

    Newest first along member_chapter_newest_idx: picking the first names in alphabetical
    order would sort all of a large chapter's public members on every visit.
    """
    from members.models import Member

    newest = Member.objects.public_names().filter(chapter=chapter).select_related("user").order_by("-pk")[:limit]
    return sorted(newest, key=lambda m: (m.user.last_name, m.user.first_name))


@visitor_cache(seconds=30)
def chapter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    from coalition import calls
    from coalition.models import Answer, ReachSnapshot, answer_bars
    from endorsements.models import Endorsement

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
    context = {
        "chapter": chapter,
        "counties": counties,
        "member_count": chapter.member_count(),
        "public_members": chapter_public_members(chapter),
        "call": calls.chapter_call(chapter),
        "national_call": calls.national_call(),
        "answers": answer_bars(state_counts),
        "endorsements": Endorsement.objects.published().for_state(chapter.state_id).for_wall()[:6],
    }
    return render(request, "chapters/chapter_detail.html", context)


@visitor_cache(seconds=30, redirects=True)
def find(request: HttpRequest) -> HttpResponse:
    """Send someone to the chapter whose territory holds their ZIP code's county."""
    if "zip" not in request.GET:
        return render(request, "chapters/chapter_find.html", {"form": FindChapterForm()})
    form = FindChapterForm(request.GET)
    if not form.is_valid():
        return render(request, "chapters/chapter_find.html", {"form": form})
    code = form.cleaned_data["zip"]
    counties = list(County.objects.for_zip(code))
    if not counties:
        form.add_error("zip", f"We don't know the ZIP code {code}. Check it, or try the ZIP of a neighbouring town.")
        return render(request, "chapters/chapter_find.html", {"form": form})

    chosen = request.GET.get("county")
    if chosen:
        counties = [county for county in counties if county.pk == chosen] or counties
    chapters = {county.chapter for county in counties}
    if len(chapters) > 1:
        return render(request, "chapters/chapter_pick_county.html", {"zip": code, "counties": counties})
    chapter = chapters.pop()
    if chapter is None:
        context = {"zip": code, "counties": counties, "state": counties[0].state}
        return render(request, "chapters/chapter_none_here.html", context)
    return redirect("chapters:chapter-detail", slug=chapter.slug)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A coordinator's mailed link: choose a password, then log in to the admin."""
    try:
        invited = user_for_invitation(token)
    except InvitationError as error:
        return render(request, "chapters/invitation_invalid.html", {"reason": str(error)}, status=error.status)
    form = SetPasswordForm(invited, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept_invitation(invited, form.cleaned_data["new_password1"])
        login(request, invited, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your password is set and you are logged in.")
        return redirect("admin:index")
    chapters = Chapter.objects.filter(officers__in=Officer.objects.current().coordinators().filter(user=invited))
    return render(request, "chapters/invitation_accept.html", {"form": form, "invited": invited, "chapters": chapters})
