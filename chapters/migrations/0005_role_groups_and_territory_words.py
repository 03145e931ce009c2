from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles' permissions as they stood when this migration was written (members/roles.py then,
# lib/roles.py now). A frozen copy: every `migrate` ends by syncing the groups to the live table.
ALL = ("add", "change", "delete", "view")

ROLE_PERMISSIONS = {
    "National coordinators": {
        "members.user": ALL,
        "chapters.chapter": ALL,
        "chapters.officer": ALL,
        "chapters.county": ("view", "change"),
        "chapters.zipcode": ("view",),
        "chapters.state": ("view",),
        "chapters.socialpage": ALL,
        "chapters.statuschange": ("view",),
        "chapters.coalitiongoal": ("view", "change"),
    },
    "Chapter coordinators": {
        "chapters.chapter": ("view", "change"),
        "chapters.officer": ("view",),
        "chapters.county": ("view",),
        "chapters.zipcode": ("view",),
        "chapters.state": ("view",),
        "chapters.socialpage": ALL,
        "chapters.statuschange": ("view",),
    },
}


def sync_role_groups(apps, schema_editor) -> None:
    """Create the role groups and give them exactly the permissions above."""
    # Permissions of models created in this same `migrate` do not exist yet: create them
    # from the historical models (whose app configs have no models module, hence the flag).
    for app_config in apps.get_app_configs():
        stub = getattr(app_config, "models_module", None) is None
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


def describe_existing_territories(apps, schema_editor) -> None:
    """Chapters created before territories had words: describe what they already cover."""
    Chapter = apps.get_model("chapters", "Chapter")
    County = apps.get_model("chapters", "County")
    for chapter in Chapter.objects.all():
        covered = list(County.objects.filter(chapter=chapter))
        if covered and len(covered) == County.objects.filter(state=chapter.state_id).count():
            chapter.territory_mode = "whole_state"
            chapter.save(update_fields=["territory_mode"])
        else:
            chapter.territory_counties.set(covered)


def create_goal(apps, schema_editor) -> None:
    apps.get_model("chapters", "CoalitionGoal").objects.get_or_create(pk=1, defaults={"target_states": 20})


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0004_territory_social_pages_status_goal"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
        migrations.RunPython(describe_existing_territories, migrations.RunPython.noop),
        migrations.RunPython(create_goal, migrations.RunPython.noop),
    ]
