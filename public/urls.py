from django.urls import path

from public import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("favicon.ico", views.favicon_ico, name="favicon-ico"),
    # After chapters.urls in the root urlconf: /chapters/find/ and /chapters/invitation/ come first.
    path("chapters/<slug:slug>/", views.chapter_detail, name="chapter-detail"),
]
