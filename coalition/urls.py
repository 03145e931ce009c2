from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from coalition import views
from endorsements.views import endorsement_image

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Coalition administration"
admin.site.site_title = "Coalition admin"
admin.site.index_title = "Chapters, members and endorsements"

handler500 = "coalition.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("calls/", views.call_list, name="call-list"),
    path("calls/<slug:key>/next.ics", views.call_ics, name="call-ics"),
    path("calls/<slug:key>/calendar.ics", views.call_feed, name="call-feed"),
    path("calls/<slug:key>/attend/", views.call_attend, name="call-attend"),
    path("dashboard/", views.growth_dashboard, name="growth-dashboard"),
    path("dashboard/reach/", views.reach_dashboard, name="reach-dashboard"),
    path("question/", views.question, name="question"),
    path("question/answer/", views.question_answer, name="question-answer"),
    path("accounts/", include("allauth.urls")),
    path("chapters/", include("chapters.urls")),
    path("endorsements/", include("endorsements.urls")),
    path("", include("members.urls")),
    path("admin/", admin.site.urls),
    # Uploads are never served from MEDIA_ROOT as a folder: only endorsement images, by this view.
    path("media/endorsements/<str:name>", endorsement_image, name="endorsement-image"),
]
