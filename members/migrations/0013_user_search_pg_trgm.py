"""The people search on pg_trgm: one trigram index per searched field, in place of 0004's function.

0004 built trigrams with a plpgsql function because the embedded PostgreSQL of the time had
no contrib modules; computing them cost about a third of each imported row. pg_trgm is in
every production PostgreSQL (and now in the embedded one); its `gin_trgm_ops` indexes serve
`UPPER(field) LIKE UPPER('%fragment%')`, which is what Django's `icontains` asks. Both
extensions are trusted (PostgreSQL 13+): a database owner may create them. btree_gist is for
exclusion constraints on time ranges (events).

The old function and index are written out here, as 0004 and 0012 made them, to go back.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper

OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION coalition_trigrams(VARIADIC parts text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    value text := upper(array_to_string(parts, ' '));
    result text[] := '{}';
BEGIN
    FOR i IN 1 .. length(value) - 2 LOOP
        result := result || substr(value, i, 3);
    END LOOP;
    RETURN result;
END
$$
"""
OLD_INDEX = (
    "CREATE INDEX user_search_trigram_idx ON members_user "
    "USING gin (coalition_trigrams(email, first_name, last_name)) WITH (gin_pending_list_limit = 256)"
)


def trigram_index(field: str) -> GinIndex:
    # A short pending list: see 0012 (every search reads it in full).
    return GinIndex(
        OpClass(Upper(field), name="gin_trgm_ops"), name=f"user_{field}_trgm_idx", gin_pending_list_limit=256
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0012_user_search_trigram_pending_list")]

    operations = [
        TrigramExtension(),
        BtreeGistExtension(),
        migrations.RunSQL(
            ["DROP INDEX user_search_trigram_idx", "DROP FUNCTION coalition_trigrams(VARIADIC text[])"],
            [OLD_FUNCTION, OLD_INDEX],
        ),
        migrations.AddIndex("user", trigram_index("email")),
        migrations.AddIndex("user", trigram_index("first_name")),
        migrations.AddIndex("user", trigram_index("last_name")),
    ]
