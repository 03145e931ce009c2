from django.db import migrations


def load(apps, schema_editor):
    from chapters.geo import load_geography

    load_geography(
        apps.get_model("chapters", "State"), apps.get_model("chapters", "County"), apps.get_model("chapters", "ZipCode")
    )


class Migration(migrations.Migration):
    dependencies = [("chapters", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
