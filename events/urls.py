from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("propose/", views.event_propose, name="event-propose"),
    path("rsvp/confirm/<str:token>/", views.rsvp_confirm, name="rsvp-confirm"),
    path("rsvp/cancel/<str:token>/", views.rsvp_cancel, name="rsvp-cancel"),
    path("<int:pk>/", views.event_detail, name="event-detail"),
    path("<int:pk>/event.ics", views.event_ics, name="event-ics"),
    path("<int:pk>/rsvp/", views.event_rsvp, name="event-rsvp"),
]
