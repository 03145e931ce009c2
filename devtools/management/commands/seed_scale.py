import functools
from collections.abc import Callable
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from devtools import scale


class Command(BaseCommand):
    help = (
        "Build the scale data set for benchmarks in set-based SQL: ~60 chapters, N members with two years of "
        "history, endorsements, answers to the question and reach snapshots. Refuses if it is already loaded "
        "unless --reset is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--members", type=int, default=1_000_000, help="How many members (default 1,000,000).")
        parser.add_argument("--endorsements", type=int, default=10_000)
        parser.add_argument("--answers", type=int, default=200_000)
        parser.add_argument("--reset", action="store_true", help="Delete the seeded rows first, then seed again.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (for logs and tests).")

    def handle(self, *args, **options) -> None:
        if options["members"] < 1:
            raise CommandError("--members must be at least 1.")
        bars: list[tqdm] = []

        # tqdm redraws its line with \r: the command's stderr without OutputWrapper's newline after each write.
        bar_output = SimpleNamespace(write=functools.partial(self.stderr.write, ending=""), flush=self.stderr.flush)

        def progress(stage: str, total: int) -> Callable[[int], None]:
            if options["no_progress"]:
                return lambda n: None
            bar = tqdm(total=total, desc=f"{stage:<16}", unit="row", unit_scale=True, file=bar_output)
            bars.append(bar)

            def step(n: int) -> None:
                bar.update(n)
                if bar.n >= bar.total:
                    bar.close()

            return step

        if options["reset"]:
            scale.reset(progress)
        try:
            timings = scale.seed_scale(
                members=options["members"],
                endorsements=options["endorsements"],
                answers=options["answers"],
                progress=progress,
            )
        except scale.SeedExists as exc:
            raise CommandError(str(exc)) from None
        finally:
            for bar in bars:
                bar.close()
        summary = ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in timings.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {options['members']:,} members: {summary}."))
