from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.growth_dashboard, name="growth-dashboard"),
    path("reach/", views.reach_dashboard, name="reach-dashboard"),
    path("events/", views.attendance_dashboard, name="attendance-dashboard"),
]
