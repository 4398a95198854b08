"""python manage.py import_hospitals FILE.csv [--strict]: the GISCO healthcare CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from beds.importer import BadFile, Rejected, parse_lines
from beds.services import ImportRefused, hospitals_import


class ProgressBar:
    """A one-line bar redrawn in place; silent unless the stream is a terminal."""

    def __init__(self, stream: TextIO, total: int, label: str) -> None:
        self.stream, self.total, self.label = stream, max(total, 1), label
        self.enabled = stream.isatty()

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = width * done // self.total
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}"
        )
        if done >= self.total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import hospitals from the GISCO healthcare CSV (Eurostat, as published): upsert by "
        "FINESS, rejected lines reported with their number; --strict refuses the whole file "
        "if any line is rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="write nothing if any line is rejected",
        )

    @no_translations  # an operator's tool: the same English output whatever ran before
    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        path: Path = options["file"]
        strict: bool = options["strict"]
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                parsed = parse_lines(handle)
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file.") from None
        except IsADirectoryError:
            raise CommandError(f"{path}: is a directory, not a CSV file.") from None
        except PermissionError:
            raise CommandError(f"{path}: not readable (permission denied).") from None
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})."
            ) from None
        except BadFile as exc:
            raise CommandError(f"{path}: {exc}") from None

        self._report(parsed.rejected, "rejected", self.style.ERROR)
        self._report(parsed.warnings, "warning", self.style.WARNING)
        if strict and parsed.rejected:
            raise CommandError(
                f"--strict: {len(parsed.rejected)} line(s) rejected, nothing imported."
            )
        bar = ProgressBar(sys.stderr, len(parsed.records), "Importing")
        try:
            result = hospitals_import(records=parsed.records, strict=strict, progress=bar)
        except ImportRefused as exc:
            self._report(
                [Rejected(line, reason) for line, reason in exc.rejected],
                "rejected",
                self.style.ERROR,
            )
            raise CommandError(
                f"--strict: {len(exc.rejected)} line(s) rejected, nothing imported."
            ) from None
        rejected = [Rejected(line, reason) for line, reason in result.rejected]
        self._report(rejected, "rejected", self.style.ERROR)
        total_rejected = len(parsed.rejected) + len(rejected)
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {total_rejected} rejected, "
                f"{len(parsed.warnings)} warning(s)."
            )
        )

    def _report(self, lines: list[Rejected], kind: str, style) -> None:  # noqa: ANN001
        for item in lines:
            self.stderr.write(style(f"{kind}: {item}"))
