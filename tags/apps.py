from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "tags"
    verbose_name = "Tags"

    def ready(self) -> None:
        # The roster import (members, below tags) reads a `tags` column through its extension point.
        from tags.roster import register_tags_column

        register_tags_column()
