from __future__ import annotations

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from beds.exports.archive import archive_write


class Command(BaseCommand):
    help = (
        "Write every région, hospital, unit, report (full history) and account scope to one "
        "JSON file (docs/interoperability.md). '-' writes to standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the archive, or - for stdout")
        parser.add_argument(
            "--include-credentials",
            action="store_true",
            help="also write password hashes and API tokens (then guard the file as a secret)",
        )
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        credentials = options["include_credentials"]
        if options["file"] == "-":
            counts = archive_write(sys.stdout, credentials=credentials)
            self.stderr.write(self._summary(counts))
            return
        path = Path(options["file"])
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} exists: choose another name or add --force.")
        partial = path.with_name(path.name + ".partial")
        try:
            # Owner-only from creation (password hashes, tokens, every account's scope): a
            # chmod afterwards left the file readable while it was written.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # an older .partial keeps its mode through O_TRUNC
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fp:
                counts = archive_write(fp, credentials=credentials)
            partial.replace(path)  # never leave a half-written archive under the real name
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {path}: {exc.strerror}") from None
        except BaseException:
            partial.unlink(missing_ok=True)  # whatever failed, no half archive of secrets
            raise
        self.stdout.write(f"Wrote {path}: {self._summary(counts)}")

    @staticmethod
    def _summary(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {name}" for name, n in counts.items())
