from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "duplicates"
    verbose_name = "Duplicates"

    def ready(self) -> None:
        # members/roster.py sits below this app: it calls back into us through its extension point.
        from duplicates.models import flag_roster_rows
        from members.roster import register_preview_check

        register_preview_check(flag_roster_rows)
