"""/calls/: the weekly calls' pages and calendar links, as they were before calls became events."""

from django.urls import path

from events import views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="call-list"),
    path("<slug:key>/next.ics", views.call_ics, name="call-ics"),
    path("<slug:key>/calendar.ics", views.call_feed, name="call-feed"),
    path("<slug:key>/attend/", views.call_attend, name="call-attend"),
]
