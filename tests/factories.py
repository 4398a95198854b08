from __future__ import annotations

import factory
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.models import Role, User
from beds.models import CapacityReport, Hospital, Unit, UnitKind
from regions.models import Department


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital

    finess = factory.Sequence(lambda n: f"69{n:07d}")
    name = factory.Sequence(lambda n: f"Hôpital {n}")
    department = factory.LazyFunction(lambda: Department.objects.get(code="69"))
    lat = 45.75
    lon = 4.85
    phone = "04 72 00 00 00"


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit with current figures set directly (tests of reads); writes go through services."""

    class Meta:
        model = Unit

    hospital = factory.SubFactory(HospitalFactory)
    label = factory.Sequence(lambda n: f"Unité {n}")
    kind = UnitKind.REA
    installed = 10
    available = 3
    occupied = 7
    version = 1
    updated_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def hospitals(self, create, extracted, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if create and extracted:
            self.hospitals.set(extracted)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):  # noqa: ANN001, ANN003, ANN201
        if create and extracted:
            self.regions.set(extracted)
        self.save()


def report_received(unit: Unit, version: int, received_at, *, available: int, installed: int = 10):  # noqa: ANN001, ANN201
    """A report of `unit` in its history, received at that time (tests of history reads; the
    unit's current figures are not touched): `available` free beds, the others occupied."""
    return CapacityReport.objects.create(
        unit=unit,
        version=version,
        received_at=received_at,
        observed_at=received_at,
        source="api",
        installed=installed,
        available=available,
        occupied=installed - available,
        reserved=0,
        closed=0,
        extra=0,
    )


# Three beds free of ten unless told otherwise.
REPORT_FIGURES = {
    "installed": 10,
    "available": 3,
    "occupied": 7,
    "reserved": 0,
    "closed": 0,
    "extra": 0,
}


def report(
    unit: Unit, user: User | None, *, source: str = "web", note: str = "", **figures: int
) -> CapacityReport:
    """A report accepted through the one write path (`unit_report_create`): the unit moves to
    its figures and the live feed is told after commit. The set-up for anything that reads
    current figures or history as reporting made them."""
    from beds.services import unit_report_create

    return unit_report_create(
        unit_id=unit.pk,
        user=user,
        figures={**REPORT_FIGURES, **figures},
        source=source,
        note=note,
    )


# `report` from an async test (the live feed's): the service runs in a worker thread.
areport = database_sync_to_async(report)
