import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools import backups


class Command(BaseCommand):
    help = "Restore a dump made by backup_db into the database, replacing its contents."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A .dump file, e.g. .data/backups/coalition-20260101T000000Z.dump")
        parser.add_argument("--database-name", help="Restore into this (existing) database instead of the app's.")

    def handle(self, *args, file: Path, database_name: str | None, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file} does not exist.")
        try:
            backups.restore(file, database=database_name)
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            raise CommandError(f"Restore failed, nothing was changed: {getattr(exc, 'stderr', '') or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {file}."))
