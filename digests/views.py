from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chapters.models import Chapter, Officer
from digests.forms import PreferenceForm
from digests.models import DigestPreference
from lib.second_factor import ask_for_second_factor, has_second_factor


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """A chapter coordinator chooses the daily digest, instant notices or nothing.

    Asks for the second factor as the admin does: whoever holds only the password must not be
    able to silence what a coordinator hears about their members.
    """
    coordinated = Officer.objects.current().coordinators().filter(user=request.user).values("chapter")
    chapters = list(Chapter.objects.filter(pk__in=coordinated).order_by("name"))
    if not chapters:
        raise PermissionDenied("Only chapter coordinators are mailed about members.")
    if not has_second_factor(request.user):
        return ask_for_second_factor(request)
    preference = DigestPreference.objects.filter(user=request.user).first() or DigestPreference(user=request.user)
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved: {preference.get_frequency_display().lower()}.")
        return redirect("digests:preferences")
    return render(request, "digests/preferences.html", {"form": form, "chapters": chapters})
