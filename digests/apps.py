from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class DigestsConfig(AppConfig):
    name = "digests"
    verbose_name = "Digests and welcome mail"

    def ready(self) -> None:
        from chapters.models import Officer
        from digests.digest import forget_instant_chapters
        from digests.models import DigestPreference
        from digests.signals import queue_instant_notices
        from digests.welcome import welcome_on_start
        from members.models import MembershipEvent, membership_started

        # members sits below this app and cannot call it: it says when a membership begins, and
        # each membership event is saved in the transaction of the change, which the job joins.
        membership_started.connect(welcome_on_start, dispatch_uid="digests-welcome")
        post_save.connect(queue_instant_notices, sender=MembershipEvent, dispatch_uid="digests-instant-notices")
        # Who wants instant notices is kept a while by each process: a change forgets it at once here.
        for model in (DigestPreference, Officer):
            uid = f"digests-forget-instant-chapters-{model.__name__}"
            post_save.connect(forget_instant_chapters, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(forget_instant_chapters, sender=model, dispatch_uid=f"{uid}-delete")
