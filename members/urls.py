from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/welcome/", views.welcome, name="welcome"),
    path("join/claim/<str:uidb64>/<str:token>/", views.claim, name="claim"),
    path("join/<str:state_code>/", views.join, name="join-state"),
    path("profile/", views.profile, name="profile"),
    path("profile/leave/", views.leave, name="leave"),
    path("profile/data/", views.download_data, name="download-data"),
    path("profile/delete/", views.delete, name="delete-account"),
]
