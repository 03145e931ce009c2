from django.db import migrations

from members.roles import sync_role_groups


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


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0004_territory_social_pages_status_goal"),
    ]

    operations = [
        migrations.RunPython(sync_role_groups, migrations.RunPython.noop),
        migrations.RunPython(describe_existing_territories, migrations.RunPython.noop),
    ]
