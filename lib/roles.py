"""The coalition's roles as auth groups, and the permissions each holds.

Data migrations call `sync_role_groups` whenever an app adds models a role needs;
scoping to a coordinator's own chapters happens in the admin, not here.
"""

from members.models import CHAPTER_COORDINATORS, NATIONAL_COORDINATORS

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
    },
}


def sync_after_migrate(sender, **kwargs) -> None:
    """After every `migrate`, so that a model added by any app reaches the roles' permissions."""
    from django.apps import apps

    sync_role_groups(apps)


def sync_role_groups(apps, schema_editor=None) -> None:
    """Create the role groups and give them exactly the permissions above."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None  # a migration's historical app
        if stub:
            app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        if stub:
            app_config.models_module = None

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
