from django.urls import path

from question import views

app_name = "question"

urlpatterns = [
    path("", views.question, name="question"),
    path("answer/", views.question_answer, name="question-answer"),
]
