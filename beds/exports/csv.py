"""One CSV row per unit: UTF-8, comma separated, a header row, fields quoted where needed
(RFC 4180, CRLF line endings). Figures are plain integers; times ISO 8601 with their offset.
A text cell starting like a formula (`=`, `+`, `-`, `@`, tab, CR) is prefixed with `'` so that
spreadsheets show it as text instead of running it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from beds.models import FIGURES
from config.text import csv_cell

COLUMNS: tuple[str, ...] = (
    "finess",
    "hospital",
    "region",
    "department",
    "unit_id",
    "unit_label",
    "kind",
    *FIGURES,
    "freshness",
    "updated_at",
)


def capacity_rows(hospitals: Iterable[Mapping[str, Any]]) -> Iterable[list[Any]]:
    for hospital in hospitals:
        for unit in hospital["units"]:
            yield [
                hospital["finess"],
                hospital["name"],
                hospital["region"],
                hospital["department"],
                unit["id"],
                unit["label"],
                unit["kind"],
                *(unit[name] for name in FIGURES),
                unit["freshness"],
                unit["updated_at"] or "",
            ]


def capacity_csv(hospitals: Iterable[Mapping[str, Any]]) -> str:
    """The whole file as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in capacity_rows(hospitals):
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()
