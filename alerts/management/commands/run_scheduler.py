import contextlib

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts import scheduler


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (overdue reminders, alerts, alert digests). With --once, one "
        "round of each, then exit (a systemd timer or cron); without, forever (Procfile clock:)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one round and exit")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        if options["once"]:
            results = scheduler.run_once()
            for name, result in results.items():
                outcome = "skipped (run elsewhere this period)" if result is None else result
                self.stdout.write(f"{name}: {outcome}")
            failed = [name for name, result in results.items() if result == scheduler.FAILED]
            if failed:
                raise CommandError(f"failed: {', '.join(failed)} (see the log above)")
            return
        self.stdout.write("Scheduler running; stop with Ctrl-C.")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.run_forever()
