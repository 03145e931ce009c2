from django.core.management.base import BaseCommand

from chapters.geo import load_geography
from chapters.models import County, State, ZipCode


class Command(BaseCommand):
    help = "Load US states, counties and ZIP codes from the `us`, `addfips` and `zipcodes` packages (idempotent)."

    def handle(self, *args, **options) -> None:
        counts = load_geography(State, County, ZipCode)
        self.stdout.write(", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in counts.items()) + " known.")
