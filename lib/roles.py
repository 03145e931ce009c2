"""The coalition's roles as auth groups, and the permissions each holds.

The groups are brought up to date after every `migrate` (members' AppConfig.ready connects
`sync_after_migrate`); scoping to a coordinator's own chapters happens in the admin, not here.
Models are named by their labels, so this module imports no app.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

NATIONAL_COORDINATORS = "National coordinators"
CHAPTER_COORDINATORS = "Chapter coordinators"

ALL = ("add", "change", "delete", "view")

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    NATIONAL_COORDINATORS: {
        "members.user": ALL,
        "chapters.chapter": ALL,
        "chapters.officer": ALL,
        "chapters.county": ("view", "change"),
        "chapters.zipcode": ("view",),
        "chapters.state": ("view",),
        "chapters.socialpage": ALL,
        "chapters.statuschange": ("view",),
        "chapters.coalitiongoal": ("view", "change"),
        "dashboards.reachsnapshot": ALL,
        "members.member": ALL,
        "members.membershipevent": ("view",),
        "members.consentrecord": ("view",),
        "members.memberexport": ("view",),
        "endorsements.endorsement": ALL,
        "tags.tag": ALL,
        "segments.segment": ALL,
        "events.event": ALL,
        # The task queue's jobs (coalition/admin.py): mail waiting or failed, periodic work.
        "procrastinate.procrastinatejob": ("view",),
        "duplicates.dismissedpair": ("view", "add", "delete"),
        "broadcasts.broadcast": ALL,
        # Addresses that bounced or complained, across every chapter.
        "broadcasts.suppression": ("view", "delete"),
    },
    CHAPTER_COORDINATORS: {
        "chapters.chapter": ("view", "change"),
        "chapters.officer": ("view",),
        "chapters.county": ("view",),
        "chapters.zipcode": ("view",),
        "chapters.state": ("view",),
        "chapters.socialpage": ALL,
        "chapters.statuschange": ("view",),
        "dashboards.reachsnapshot": ALL,
        # Scoped to their chapters' members in the admin; "add" is what the roster import needs.
        "members.member": ("view", "change", "add"),
        "members.membershipevent": ("view",),
        "members.consentrecord": ("view",),
        "endorsements.endorsement": ("view", "add", "change"),
        # Their chapters' tags and segments (national tags: view only, in the admin).
        "tags.tag": ALL,
        "segments.segment": ALL,
        # Scoped to their chapters' events in the admin, as members are.
        "events.event": ALL,
        # Dismissing a pair is adding one; un-dismissing, deleting it. Merging needs members' "change".
        "duplicates.dismissedpair": ("view", "add", "delete"),
        # Their chapters' broadcasts (scoped in the admin).
        "broadcasts.broadcast": ALL,
    },
}


def sync_after_migrate(sender, **kwargs) -> None:
    """After every `migrate`, so that a model added by any app reaches the roles' permissions."""
    sync_role_groups(global_apps)


def sync_role_groups(apps) -> None:
    """Create the role groups and give them exactly the permissions above."""
    # Django creates an app's permissions in that app's own post_migrate, and the apps after
    # members in INSTALLED_APPS have not had theirs yet when this runs.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, models in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for label, actions in models.items():
            app_label, model = label.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
        group.permissions.set(wanted)
