from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from endorsements.views import endorsement_image

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Coalition administration"
admin.site.site_title = "Coalition admin"
admin.site.index_title = "Chapters, members and endorsements"

handler500 = "public.views.server_error"

urlpatterns = [
    path("calls/", include("events.calls_urls")),
    path("events/", include("events.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("digests/", include("digests.urls")),
    path("question/", include("question.urls")),
    path("accounts/", include("allauth.urls")),
    path("chapters/", include("chapters.urls")),
    path("endorsements/", include("endorsements.urls")),
    path("", include("members.urls")),
    path("", include("public.urls")),
    path("", include("broadcasts.urls")),
    # Mail providers report bounces and complaints here (README, "Mail providers").
    path("anymail/", include("broadcasts.webhook_urls")),
    path("admin/", admin.site.urls),
    # Uploads are never served from MEDIA_ROOT as a folder: only endorsement images, by this view.
    path("media/endorsements/<str:name>", endorsement_image, name="endorsement-image"),
]
