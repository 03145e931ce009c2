from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Connected here so that members and endorsements know nothing of webhooks.
        from webhooks import events

        events.connect()
