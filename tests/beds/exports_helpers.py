"""Shared set-up of the export tests: a seeded région with a history, and the standards folder."""

from __future__ import annotations

from pathlib import Path

from beds.models import UnitKind
from tests.conftest import SHARED_DIR
from tests.factories import HospitalFactory, UnitFactory, report


def shared_dir(*parts: str) -> Path | None:
    """`../shared/<parts>` (tests/conftest.py's SHARED_DIR) when it exists, else None."""
    path = SHARED_DIR.joinpath(*parts)
    return path if path.exists() else None


def seed_lyon(hospital_lyon, user):  # noqa: ANN001, ANN201
    """Région 84: the Lyon hospital with three units of different kinds, one never reported,
    and a second hospital with awkward characters in its name."""
    rea = UnitFactory(hospital=hospital_lyon, label="Réanimation médicale", kind=UnitKind.REA)
    usic = UnitFactory(hospital=hospital_lyon, label="USIC, étage 3", kind=UnitKind.USIC)
    report(rea, user, available=2, occupied=8)
    report(rea, user, available=1, occupied=8, reserved=1)
    report(usic, user, installed=12, available=4, occupied=6, closed=2)
    other = HospitalFactory(finess="690000880", name='Clinique "Saint-Jean" & Cie', phone="")
    burn = UnitFactory(hospital=other, label="Brûlés", kind=UnitKind.BURN)
    report(burn, user, installed=8, available=0, occupied=6, closed=0, extra=0, reserved=2)
    never = UnitFactory(
        hospital=other,
        label="Néonatologie",
        kind=UnitKind.REA_NEO,
        installed=0,
        available=0,
        occupied=0,
        version=0,
        updated_at=None,
    )
    return {"rea": rea, "usic": usic, "burn": burn, "never": never}
