from django.db import migrations

from members.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("chapters", "0002_load_geography"),
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
