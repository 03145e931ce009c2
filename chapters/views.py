from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chapters.forms import FindChapterForm
from chapters.models import Chapter, CoalitionGoal, County, Officer
from chapters.onboarding import InvitationError, accept_invitation, user_for_invitation
from lib.visitor_cache import visitor_cache


def chapter_list(request: HttpRequest) -> HttpResponse:
    chapters = Chapter.objects.select_related("state").order_by("state__name", "name")
    reached, target = CoalitionGoal.current().progress()
    return render(
        request,
        "chapters/chapter_list.html",
        {"chapters": chapters, "reached": reached, "target": target, "form": FindChapterForm()},
    )


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
    return redirect("public:chapter-detail", slug=chapter.slug)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A coordinator's mailed link: choose a password, then log in to the admin."""
    try:
        invited = user_for_invitation(token)
    except InvitationError as error:
        return render(request, "chapters/invitation_invalid.html", {"reason": str(error)}, status=error.status)
    form = SetPasswordForm(invited, request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept_invitation(invited, form.cleaned_data["new_password1"])
        # Through allauth, so that the login counts as fresh: setting up two-factor, next,
        # does not ask again for the password just chosen (members/adapter.py).
        get_adapter(request).login(request, invited)
        messages.success(request, "Welcome! Your password is set and you are logged in.")
        return redirect("admin:index")
    chapters = Chapter.objects.filter(officers__in=Officer.objects.current().coordinators().filter(user=invited))
    return render(request, "chapters/invitation_accept.html", {"form": form, "invited": invited, "chapters": chapters})
