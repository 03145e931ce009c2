#!/usr/bin/env python
import os
import sys

# Commands that never open the database: they do not start the embedded server.
WITHOUT_DATABASE = {"check", "collectstatic", "compilemessages", "help", "makemessages", "startapp", "version"}


def start_embedded_database(argv: list[str]) -> None:
    """Start (or join) the embedded PostgreSQL when settings use it and the command needs it.

    It is stopped when the last process using it exits: for runserver, the reloader's parent.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    command = argv[1] if len(argv) > 1 else "help"
    if command.startswith("-") or command in WITHOUT_DATABASE:
        return
    try:
        data_dir = settings.EMBEDDED_DB_DIR
    except ImproperlyConfigured:
        return  # Django reports it, with the command's own usage
    if data_dir:
        from devtools import embedded_db

        embedded_db.start(data_dir)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    from django.core.management import execute_from_command_line

    start_embedded_database(sys.argv)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
