from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("action-network/<str:token>/", views.action_network, name="action-network"),
]
