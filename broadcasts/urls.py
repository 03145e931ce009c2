from django.urls import path

from broadcasts import views

app_name = "broadcasts"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
