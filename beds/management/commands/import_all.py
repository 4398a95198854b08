from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from beds.exports.archive import MAX_ERRORS, ArchiveError, archive_restore


class Command(BaseCommand):
    help = (
        "Restore a file written by export_all into an empty database (after migrate). "
        "Nothing is written unless the whole file is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        path = Path(options["file"])
        try:
            with path.open(encoding="utf-8") as fp:
                data = json.load(fp)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} is not a JSON archive: {exc}") from None
        try:
            counts = archive_restore(data)
        except ArchiveError as exc:
            lines = exc.errors[:MAX_ERRORS]
            more = len(exc.errors) - len(lines)
            if more:
                lines.append(f"… and {more} more.")
            raise CommandError(
                f"{path} was not imported, nothing was written:\n" + "\n".join(lines)
            ) from None
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"Imported {path}: {summary}.")
