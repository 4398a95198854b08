import contextlib

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts import scheduler


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (overdue reminders, alerts, alert digests). With --once, one "
        "round of each, then exit (a systemd timer or cron); without, forever (Procfile clock:). "
        "With --serve ADDR:PORT, forever in this process's threads while it serves the site "
        "with Daphne's runserver (make run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one round and exit")
        parser.add_argument(
            "--serve",
            metavar="ADDR:PORT",
            help="also serve the site here, in this process (make run: the live feed without "
            "Redis reaches only this process's sockets)",
        )

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
        if options["serve"]:
            running = scheduler.run_in_background()
            self.stdout.write("Scheduler running beside the server; stop with Ctrl-C.")
            try:
                call_command("runserver", options["serve"], use_reloader=False)
            finally:
                running.shutdown(wait=False)
            return
        self.stdout.write("Scheduler running; stop with Ctrl-C.")
        with contextlib.suppress(KeyboardInterrupt, SystemExit):
            scheduler.run_forever()
