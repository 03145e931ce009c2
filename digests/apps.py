from django.apps import AppConfig
from django.db.models.signals import post_save


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests and welcome mail"

    def ready(self) -> None:
        from digests.signals import queue_instant_notices
        from digests.welcome import welcome_on_start
        from members.models import MembershipEvent, membership_started

        # members sits below this app and cannot call it: it says when a membership begins, and
        # each membership event is saved in the transaction of the change, which the job joins.
        membership_started.connect(welcome_on_start, dispatch_uid="digests-welcome")
        post_save.connect(queue_instant_notices, sender=MembershipEvent, dispatch_uid="digests-instant-notices")
