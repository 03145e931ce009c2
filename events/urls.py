from django.urls import path

from events import checkin, find_views, views

app_name = "events"

urlpatterns = [
    path("", find_views.event_list, name="event-list"),
    path("chapter/<slug:slug>/calendar.ics", find_views.chapter_feed, name="chapter-feed"),
    path("<int:pk>/check-in/", checkin.check_in_list, name="check-in"),
    path("<int:pk>/check-in/walk-in/", checkin.walk_in, name="check-in-walk-in"),
    path("<int:pk>/check-in/<int:rsvp_pk>/", checkin.mark_attended, name="check-in-mark"),
    path("<int:pk>/close/", checkin.close_event, name="event-close"),
    path("propose/", views.event_propose, name="event-propose"),
    path("rsvp/confirm/<str:token>/", views.rsvp_confirm, name="rsvp-confirm"),
    path("rsvp/cancel/<str:token>/", views.rsvp_cancel, name="rsvp-cancel"),
    path("<int:pk>/", views.event_detail, name="event-detail"),
    path("<int:pk>/event.ics", views.event_ics, name="event-ics"),
    path("<int:pk>/rsvp/", views.event_rsvp, name="event-rsvp"),
]
