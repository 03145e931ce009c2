from django.apps import AppConfig
from django.db.models.signals import post_migrate

from lib.roles import sync_after_migrate


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        # Role permissions depend on every app's models; migrations of different apps run in
        # no fixed order, so the groups are brought up to date once each migrate is done.
        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="members-sync-role-groups")
