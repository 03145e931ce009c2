"""A short pending list for the people search's trigram index.

A GIN index with `fastupdate` (the default) keeps new entries in an unsorted pending list
that every search reads in full, up to `gin_pending_list_limit` (4 MB by default) before
it is merged. At a million members, after a 100,000-row import that list cost each admin
search about 3 ms of its 5. 256 kB bounds that cost while signups and imports are still
merged into the index in batches; `import_members` also merges what it added when it ends.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0011_export_access_log_moved_to_exports")]

    operations = [
        migrations.RunSQL(
            "ALTER INDEX user_search_trigram_idx SET (gin_pending_list_limit = 256)",
            "ALTER INDEX user_search_trigram_idx RESET (gin_pending_list_limit)",
        ),
    ]
