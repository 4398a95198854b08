"""Bench data: the GISCO hospitals with critical-care units on a third of them, or the demo.

Runs inside a configured Django process (the bench's own). Uses `import_hospitals` when the
project has it; otherwise a bulk loader good enough for benchmarking (same CSV, same rules for
FINESS numbers and départements as docs/import-hospitals.md asks of the real command).
"""

from __future__ import annotations

import csv
import io
import os
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command, get_commands
from django.db import transaction
from django.utils import timezone

# Which unit kinds a hospital with units gets, by its rank among them (1 to 3 units each).
KIND_CYCLE = (("REA",), ("REA", "USIC"), ("REA", "USC", "USINV"))


def repo_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """`../shared/data` beside the repository, as the project lays it out; BEDWATCH_SHARED_DIR
    names another `shared` folder (as for the tests)."""
    shared = os.getenv("BEDWATCH_SHARED_DIR") or repo_dir().parent / "shared"
    return Path(shared) / "data"


def gisco_csv() -> Path:
    path = shared_data_dir() / "hospitals-fr-gisco-2020.csv"
    if not path.is_file():
        raise SystemExit(
            f"{path} is missing: put the shared folder beside the repository, set "
            "BEDWATCH_SHARED_DIR to it, or use --data demo"
        )
    return path


def finess_of(raw_id: str) -> str:
    """GISCO drops the FINESS number's leading zero: `10000024` is `010000024`."""
    return raw_id.strip().zfill(9)


def department_of(finess: str, postcode: str) -> str:
    """The département code: Corsica from the FINESS (2A/2B), overseas from the postcode."""
    postcode = postcode.strip()
    if postcode.startswith("97"):
        return postcode[:3]
    if finess[:2] in ("2A", "2B"):
        return finess[:2]
    return finess[:2]


def load_gisco(path: Path, *, units_every: int = 3) -> dict[str, int]:
    """Hospitals from the GISCO CSV, then units on one hospital in `units_every`."""
    if "import_hospitals" in get_commands():
        call_command("import_hospitals", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    else:
        _bulk_import(path)
    return add_units(every=units_every)


def _bulk_import(path: Path) -> None:
    from beds.models import Hospital
    from regions.models import Department

    departments = set(Department.objects.values_list("code", flat=True))
    existing = set(Hospital.objects.values_list("finess", flat=True))
    new = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            finess = finess_of(row["id"])
            department = department_of(finess, row["postcode"])
            if finess in existing or department not in departments:
                continue
            existing.add(finess)
            phone = row["tel"].strip()
            new.append(
                Hospital(
                    finess=finess,
                    name=(row["hospital_name"] or row["site_name"]).strip()[:200],
                    department_id=department,
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    address=" ".join(p for p in (row["house_number"], row["street"]) if p)[:255],
                    postcode=row["postcode"].strip()[:10],
                    city=row["city"].strip()[:100],
                    phone=("0" + phone if phone and not phone.startswith("0") else phone)[:32],
                )
            )
    Hospital.objects.bulk_create(new, batch_size=1000)


def add_units(*, every: int) -> dict[str, int]:
    """Give every `every`-th hospital (by FINESS) 1–3 units with plausible, fresh figures and
    one report of history each. Idempotent."""
    from beds.models import CapacityReport, Hospital, Source, Unit

    now = timezone.now()
    hospitals = list(Hospital.objects.order_by("finess").values_list("pk", flat=True))
    chosen = hospitals[::every]
    have = set(Unit.objects.values_list("hospital_id", "label"))
    units = []
    for rank, hospital_id in enumerate(chosen):
        for n, kind in enumerate(KIND_CYCLE[rank % len(KIND_CYCLE)]):
            label = f"{kind} {n + 1}"
            if (hospital_id, label) in have:
                continue
            installed = 8 + (rank * 7 + n * 3) % 23
            available = (rank + n) % 5
            units.append(
                Unit(
                    hospital_id=hospital_id,
                    label=label,
                    kind=kind,
                    installed=installed,
                    available=available,
                    occupied=installed - available,
                    version=1,
                    updated_at=now - timedelta(minutes=(rank * 13) % 180),
                )
            )
    with transaction.atomic():
        created = Unit.objects.bulk_create(units, batch_size=1000)
        CapacityReport.objects.bulk_create(
            [
                CapacityReport(
                    unit=u,
                    version=1,
                    installed=u.installed,
                    available=u.available,
                    occupied=u.occupied,
                    observed_at=u.updated_at,
                    received_at=u.updated_at,
                    source=Source.IMPORT,
                    reporter_username="bench",
                )
                for u in created
            ],
            batch_size=1000,
        )
    return {
        "hospitals": len(hospitals),
        "hospitals_with_units": len(chosen),
        "units": Unit.objects.count(),
    }


def load_demo() -> dict[str, int]:
    from beds.models import Hospital, Unit

    call_command("seed_demo", stdout=io.StringIO())
    return {
        "hospitals": Hospital.objects.count(),
        "hospitals_with_units": Hospital.objects.filter(units__isnull=False).distinct().count(),
        "units": Unit.objects.count(),
    }


def tokens() -> dict[str, str]:
    """An admin token (posts reports for any unit) and a dispatcher token (reads the country)."""
    from accounts.services import account_upsert, token_rotate

    admin, _ = account_upsert(username="bench-admin", role="admin")
    dispatcher, _ = account_upsert(username="bench-dispatcher", role="dispatcher", regions=["84"])
    # A new key each run: the previous run's were never written down.
    return {"admin": token_rotate(user=admin), "dispatcher": token_rotate(user=dispatcher)}
