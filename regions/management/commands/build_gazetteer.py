"""python manage.py build_gazetteer [--source DIR] [--output FILE]: rebuild the commune gazetteer.

Derives `regions/communes/communes.csv` (one row per commune or municipal arrondissement, with
one point each) from INSEE's COG list and La Poste's postcode base, as published in
`../shared/data/communes/` (see `regions/communes/SOURCES.md`). The product reads only the
derived file, so a fresh clone works without `../shared`.
"""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from regions.gazetteer import COLUMNS, DATA_FILE


def default_source() -> Path:
    """`../shared/data/communes` beside the repository; BEDWATCH_SHARED_DIR names another
    `shared` folder (as for the tests and the bench)."""
    shared = os.getenv("BEDWATCH_SHARED_DIR") or Path(settings.BASE_DIR).parent / "shared"
    return Path(shared) / "data" / "communes"


def _point(text: str) -> tuple[float, float] | None:
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        return None
    return lat, lon


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def derive(cog_path: Path, laposte_path: Path) -> tuple[list[dict[str, str]], dict[str, int]]:
    """The gazetteer's rows and counts of how each point was found.

    A commune's point is La Poste's for its main locality (the row without `ligne_5`), else its
    first row with coordinates. Paris, Lyon and Marseille have points only per arrondissement:
    the commune gets their mean. A commune La Poste lacks (recent mergers) gets the mean point of
    its postcodes' other communes; one with neither (mostly New Caledonia and French Polynesia)
    is left out.
    """
    with cog_path.open(encoding="utf-8", newline="") as f:
        communes = list(csv.DictReader(f))
    main: dict[str, tuple[float, float]] = {}
    other: dict[str, tuple[float, float]] = {}
    by_postcode: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with laposte_path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            point = _point(row["coordonnees_gps"])
            if point is None:
                continue
            insee = row["Code_commune_INSEE"]
            target = other if row["Ligne_5"].strip() else main
            target.setdefault(insee, point)
            by_postcode[row["Code_postal"]].append(point)
    children: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in communes:
        point = main.get(c["code"]) or other.get(c["code"])
        if c["commune_parente"] and point:
            children[c["commune_parente"]].append(point)
    counts = {"la_poste": 0, "arrondissements": 0, "postcodes": 0, "left_out": 0}
    rows = []
    for c in communes:
        point = main.get(c["code"]) or other.get(c["code"])
        how = "la_poste"
        if point is None and children.get(c["code"]):
            point, how = _mean(children[c["code"]]), "arrondissements"
        if point is None:
            near = [p for code in c["codes_postaux"].split() for p in by_postcode.get(code, [])]
            if near:
                point, how = _mean(near), "postcodes"
        if point is None:
            counts["left_out"] += 1
            continue
        counts[how] += 1
        rows.append(
            {
                "insee": c["code"],
                "name": c["nom"],
                "department": c["departement"],
                "region": c["region"],
                "postcodes": c["codes_postaux"],
                "population": c["population"] or "0",
                "lat": f"{point[0]:.4f}",
                "lon": f"{point[1]:.4f}",
                "parent": c["commune_parente"],
            }
        )
    rows.sort(key=lambda r: r["insee"])
    return rows, counts


class Command(BaseCommand):
    help = (
        "Rebuild the commune gazetteer (regions/communes/communes.csv) from INSEE's COG communes "
        "and La Poste's postcode base."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            type=Path,
            help="folder with cog-communes.csv and laposte-hexasmal.csv "
            "(default: ../shared/data/communes, or $BEDWATCH_SHARED_DIR/data/communes)",
        )
        parser.add_argument("--output", type=Path, default=DATA_FILE)

    def handle(self, *args: object, source: Path | None, output: Path, **options: object) -> None:
        source = source or default_source()
        cog, laposte = source / "cog-communes.csv", source / "laposte-hexasmal.csv"
        for path in (cog, laposte):
            if not path.is_file():
                raise CommandError(f"--source: {path} does not exist; give the folder holding it.")
        rows, counts = derive(cog, laposte)
        with output.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        self.stdout.write(
            f"{output}: {len(rows)} places ({counts['la_poste']} placed by La Poste, "
            f"{counts['arrondissements']} at their arrondissements' mean, {counts['postcodes']} "
            f"at their postcodes' mean), {counts['left_out']} left out without coordinates; "
            f"{output.stat().st_size / 1e6:.2f} MB."
        )
