from django.db import migrations

from members.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_member_history_consent_export"),
        ("chapters", "0003_role_groups"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
