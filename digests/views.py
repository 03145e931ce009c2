from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chapters.models import Chapter, Officer
from digests.forms import PreferenceForm
from digests.models import DigestPreference


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """A chapter coordinator chooses the daily digest, instant notices or nothing."""
    coordinated = Officer.objects.current().coordinators().filter(user=request.user).values("chapter")
    chapters = list(Chapter.objects.filter(pk__in=coordinated).order_by("name"))
    if not chapters:
        raise PermissionDenied("Only chapter coordinators are mailed about members.")
    preference = DigestPreference.objects.filter(user=request.user).first() or DigestPreference(user=request.user)
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Saved: {preference.get_frequency_display().lower()}.")
        return redirect("digests:preferences")
    return render(request, "digests/preferences.html", {"form": form, "chapters": chapters})
