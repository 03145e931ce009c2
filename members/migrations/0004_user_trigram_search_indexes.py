"""A trigram index for the admin's search by fragment of email or name.

pg_trgm is not in every PostgreSQL (the embedded server of development and tests has
no contrib modules), so the trigrams come from a small function and the index is a
built-in GIN index over its text[] result. `lib.search.fragment_filter` asks
`coalition_trigrams(email, first_name, last_name) @> coalition_trigrams('fragment')`,
then confirms the match on each field with LIKE.
"""

from django.db import migrations

FUNCTION = """
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


class Migration(migrations.Migration):
    dependencies = [("members", "0003_role_groups")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION coalition_trigrams(VARIADIC text[])"),
        migrations.RunSQL(
            "CREATE INDEX user_search_trigram_idx ON members_user "
            "USING gin (coalition_trigrams(email, first_name, last_name))",
            "DROP INDEX user_search_trigram_idx",
        ),
    ]
