from django.db import migrations

from members.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("endorsements", "0001_create_endorsement"),
        ("chapters", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
