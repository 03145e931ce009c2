from django.urls import path

from endorsements import views

app_name = "endorsements"

urlpatterns = [
    path("", views.endorsement_list, name="endorsement-list"),
    path("feed/", views.EndorsementFeed(), name="endorsement-feed"),
    path("submit/", views.endorsement_submit, name="endorsement-submit"),
    path("confirm/<str:token>/", views.endorsement_confirm, name="endorsement-confirm"),
    path("<slug:slug>/", views.endorsement_detail, name="endorsement-detail"),
    path("<slug:slug>/withdraw/<str:token>/", views.endorsement_withdraw, name="endorsement-withdraw"),
]
