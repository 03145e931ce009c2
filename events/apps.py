from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from events.calls import forget_national_call
        from events.models import Event

        post_save.connect(forget_national_call, sender=Event, dispatch_uid="forget-national-call-on-save")
        post_delete.connect(forget_national_call, sender=Event, dispatch_uid="forget-national-call-on-delete")
