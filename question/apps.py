from django.apps import AppConfig


class QuestionConfig(AppConfig):
    name = "question"
    verbose_name = "The question"
