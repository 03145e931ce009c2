import functools
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from chapters.models import Chapter
from members.roster import Mode, errors_csv, import_members


class Command(BaseCommand):
    help = "Import a chapter's member roster from a CSV file (upsert by email; imported people get no email)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--chapter", required=True, help="The chapter's slug, e.g. south-carolina.")
        parser.add_argument(
            "--only-good-rows", action="store_true", help="Import the good rows even if some rows have errors."
        )
        parser.add_argument("--errors", type=Path, help="Write the rows with errors to this CSV file.")

    def handle(self, *args, file: Path, chapter: str, only_good_rows: bool, errors: Path | None, **options) -> None:
        try:
            chapter_obj = Chapter.objects.get(slug=chapter)
        except Chapter.DoesNotExist:
            raise CommandError(f"No chapter with slug {chapter!r}.") from None
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        bars: list[tqdm] = []

        # tqdm redraws its line with \r: the command's stderr without OutputWrapper's newline after each write.
        bar_output = SimpleNamespace(write=functools.partial(self.stderr.write, ending=""), flush=self.stderr.flush)

        # One bar per stage: checking the rows (read, validated, staged), then writing them.
        def progress(stage: str, total: int) -> Callable[[int], None]:
            if options["verbosity"] == 0:
                return lambda n: None
            bar = tqdm(total=total, desc=f"{stage:<9}", unit="line", unit_scale=True, file=bar_output)
            bars.append(bar)
            return bar.update

        started = time.monotonic()
        try:
            with file.open("rb") as f:
                result = import_members(
                    chapter=chapter_obj, file=f, actor=None, progress=progress,
                    mode=Mode.ONLY_GOOD_ROWS if only_good_rows else Mode.ALL_OR_NOTHING,
                )  # fmt: skip
        finally:
            for bar in bars:
                bar.close()
        elapsed = time.monotonic() - started
        for error in result.errors[:20]:
            self.stderr.write(f"line {error.line}: {error.reason}")
        if len(result.errors) > 20:
            self.stderr.write(f"... and {len(result.errors) - 20} more errors.")
        if errors and result.errors:
            errors.write_text(errors_csv(result.errors), encoding="utf-8")
            self.stderr.write(f"All errors written to {errors}.")
        self.stdout.write(f"{result.summary()} in {elapsed:.1f} s.")
        if not result.committed:
            raise CommandError("Nothing imported: fix the errors, or run again with --only-good-rows.")
        self.stdout.write(self.style.SUCCESS(f"Imported into {chapter_obj}."))
