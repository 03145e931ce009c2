import subprocess

from django.core.management.base import BaseCommand, CommandError

from devtools import backups


class Command(BaseCommand):
    help = "Dump the database (pg_dump, custom format) to a new file under .data/backups/."

    def handle(self, *args, **options) -> None:
        try:
            path = backups.backup()
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            raise CommandError(f"Backup failed: {getattr(exc, 'stderr', '') or exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path} ({path.stat().st_size:,} bytes)."))
