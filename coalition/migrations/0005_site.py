"""The one Site (SITE_ID = 1) allauth names in its mails and keys its login lock on.

Its domain is the host `make run` serves; a deployment sets its own under Sites in the
admin (docs/operations.md).
"""

from django.db import migrations


def name_the_site(apps, schema_editor) -> None:
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1:8000", "name": "Coalition of the States"})


class Migration(migrations.Migration):
    dependencies = [
        ("coalition", "0004_models_moved_to_feature_apps"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [migrations.RunPython(name_the_site, migrations.RunPython.noop)]
