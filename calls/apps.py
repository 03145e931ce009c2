from django.apps import AppConfig


class CallsConfig(AppConfig):
    """Kept for its migrations alone; /calls/ is served by events (events/calls_urls.py)."""

    name = "calls"
    verbose_name = "Weekly calls"
