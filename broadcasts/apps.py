from django.apps import AppConfig


class BroadcastsConfig(AppConfig):
    name = "broadcasts"

    def ready(self) -> None:
        from anymail.signals import tracking

        from broadcasts.models import broadcasts_sent_to, on_tracking
        from members.models import MEMBER_DATA_SECTIONS

        tracking.connect(on_tracking, dispatch_uid="broadcasts.on_tracking")
        MEMBER_DATA_SECTIONS["broadcasts_received"] = broadcasts_sent_to
