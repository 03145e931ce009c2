from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chapters.models import Chapter


def home(request: HttpRequest) -> HttpResponse:
    chapters = Chapter.objects.select_related("state").order_by("state__name", "name")
    states = {chapter.state for chapter in chapters if chapter.status == Chapter.Status.ACTIVE}
    return render(request, "home.html", {"chapters": chapters, "active_states": len(states)})
