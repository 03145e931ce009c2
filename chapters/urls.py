from django.urls import path

from chapters import views

app_name = "chapters"

urlpatterns = [
    path("", views.chapter_list, name="chapter-list"),
    path("find/", views.find, name="find"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
]
