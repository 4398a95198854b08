from __future__ import annotations

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import account_upsert
from beds import demo
from beds.models import Source, Unit
from beds.services import hospital_upsert, unit_get_or_create, unit_report_create
from regions.models import Department

HISTORY_HOURS = 24


def plausible_figures(rng: random.Random, installed: int, previous: dict | None) -> dict[str, int]:
    """Figures that respect the invariants, drifting a little from the previous ones."""
    extra = 0 if rng.random() < 0.8 else rng.randint(1, 3)
    closed = 0 if rng.random() < 0.7 else rng.randint(1, max(1, installed // 6))
    open_beds = installed + extra - closed
    if previous is None:
        occupied = rng.randint(open_beds // 2, open_beds)
    else:
        occupied = min(max(previous["occupied"] + rng.randint(-2, 2), 0), open_beds)
    reserved = min(rng.randint(0, 2), open_beds - occupied)
    available = open_beds - occupied - reserved
    return {
        "installed": installed,
        "available": available,
        "occupied": occupied,
        "reserved": reserved,
        "closed": closed,
        "extra": extra,
    }


class Command(BaseCommand):
    help = "Load demo hospitals, units, a day of report history and demo accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed of the figures")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        rng = random.Random(options["seed"])
        now = timezone.now()
        new_reports = 0
        with transaction.atomic():
            for finess, name, dep, lat, lon, postcode, city, phone, units in demo.HOSPITALS:
                hospital, _created = hospital_upsert(
                    finess=finess,
                    defaults={
                        "name": name,
                        "department": Department.objects.get(code=dep),
                        "lat": lat,
                        "lon": lon,
                        "postcode": postcode,
                        "city": city,
                        "phone": phone,
                        "active": True,
                    },
                )
                for kind, label, installed in units:
                    unit = unit_get_or_create(hospital=hospital, label=label, kind=kind)
                    new_reports += self._history(unit, installed, rng, now)
        self.stdout.write(
            f"Demo data ready: {len(demo.HOSPITALS)} hospitals, "
            f"{Unit.objects.filter(hospital__finess__in=[h[0] for h in demo.HOSPITALS]).count()} units, "
            f"{new_reports} new reports."
        )
        self._accounts()

    def _history(self, unit: Unit, installed: int, rng: random.Random, now) -> int:  # noqa: ANN001
        """A day of reports every 2–4 hours; none when the unit already has a history.
        A few units are left without a recent report so that stale figures show."""
        if unit.version > 0:
            return 0
        last_hours = rng.choice([0.2, 0.5, 1, 1, 2, 3, 5, 14])
        demo_unit = (unit.hospital.finess, unit.label)
        if demo_unit == demo.OVERDUE_UNIT:
            last_hours = 6
        at = now - timedelta(hours=HISTORY_HOURS)
        previous = None
        count = 0
        while at < now - timedelta(hours=last_hours):
            previous = plausible_figures(rng, installed, previous)
            unit_report_create(
                unit_id=unit.pk,
                user=None,
                figures=previous,
                source=Source.IMPORT,
                observed_at=at,
                now=at,  # received then: the day reads as if reported live (trends)
                note="demo",
            )
            count += 1
            at += timedelta(hours=rng.uniform(2, 4))
        previous = plausible_figures(rng, installed, previous)
        if demo_unit == demo.SATURATED_UNIT:
            previous = {
                **previous,
                "available": 0,
                "occupied": previous["occupied"] + previous["available"],
            }
        unit_report_create(
            unit_id=unit.pk,
            user=None,
            figures=previous,
            source=Source.IMPORT,
            observed_at=now - timedelta(hours=last_hours),
            now=now - timedelta(hours=last_hours),
            note="demo",
        )
        return count + 1

    def _accounts(self) -> None:
        created_any = False
        for username, role, hospitals, regions, password in demo.ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            account_upsert(
                username=username,
                role=role,
                hospitals=hospitals,
                regions=regions,
                password=password,
            )
            # Reminders and digests need an address (shown by the console email backend).
            User.objects.filter(username=username).update(email=f"{username}@bedwatch.test")
            if not created_any:
                self.stdout.write("Demo accounts (shown once):")
                created_any = True
            self.stdout.write(f"  {username:<14} {role:<12} password: {password}")
