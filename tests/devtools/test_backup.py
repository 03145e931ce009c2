"""`make backup` / `make restore`: a dump restored into a fresh database holds the same rows."""

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import make_user

RESTORED = "coalition_restore_check"
USERS_CHECKSUM = "SELECT md5(string_agg(id || ':' || email || ':' || password, ',' ORDER BY id)) FROM members_user"


def connect(dbname: str) -> psycopg.Connection:
    params = connection.get_connection_params()
    params["dbname"] = dbname
    params.pop("database", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def table_counts(conn: psycopg.Connection) -> dict[str, int]:
    tables = [row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
    return {table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}


@pytest.fixture
def fresh_database(transactional_db):
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{RESTORED}"')
        admin.execute(f'CREATE DATABASE "{RESTORED}"')
    yield RESTORED
    with connect("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{RESTORED}" WITH (FORCE)')


def test_backup_restores_into_a_fresh_database_with_the_same_rows(fresh_database, tmp_path, settings):
    # (No chapter fixtures: a transactional test may follow a flush that emptied the geography.)
    settings.DATA_DIR = tmp_path
    for n in range(25):
        make_user(f"member{n}@example.org", first_name=f"Member {n}")
    call_command("backup_db")
    [dump] = (tmp_path / "backups").glob("*.dump")

    call_command("restore_db", str(dump), database_name=fresh_database)

    with connect(connection.settings_dict["NAME"]) as original, connect(fresh_database) as restored:
        counts = table_counts(original)
        assert counts["members_user"] == 25
        assert counts["django_migrations"] > 0
        assert table_counts(restored) == counts
        assert restored.execute(USERS_CHECKSUM).fetchone() == original.execute(USERS_CHECKSUM).fetchone()


def test_restore_of_a_missing_file_says_so(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore_db", str(tmp_path / "nope.dump"))
