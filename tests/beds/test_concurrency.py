"""Optimistic concurrency on the real database: two reports racing with the same version."""

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from beds.models import CapacityReport, Hospital, Unit
from tests.helpers import token_client

FIGURES = {"installed": 10, "available": 1, "occupied": 9, "reserved": 0, "closed": 0, "extra": 0}


def race(unit, users, bodies):  # noqa: ANN001, ANN201
    """POST each body from its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(bodies))
    results: list[int] = [0] * len(bodies)

    def send(i: int) -> None:
        client = token_client(users[i])
        try:
            barrier.wait(timeout=10)
            response = client.post(f"/api/v1/units/{unit.pk}/reports/", bodies[i], format="json")
            results[i] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.fixture
def slow_commit(monkeypatch):  # noqa: ANN001, ANN201
    """Hold each report's transaction open a moment, so that the two writers truly overlap."""
    original = transaction.on_commit

    def on_commit(func, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        time.sleep(0.3)
        return original(func, *args, **kwargs)

    monkeypatch.setattr("beds.services.transaction.on_commit", on_commit)


def test_two_reports_with_the_same_version_one_wins_one_gets_409(
    postgres, alice, unit_lyon, slow_commit
):
    first = {**FIGURES, "version": 1}
    second = {**FIGURES, "available": 0, "occupied": 10, "version": 1}

    statuses = race(unit_lyon, [alice, alice], [first, second])

    assert sorted(statuses) == [201, 409]
    [report] = CapacityReport.objects.filter(unit=unit_lyon)
    winner = first if statuses[0] == 201 else second
    assert report.available == winner["available"] and report.version == 2
    unit = Unit.objects.get(pk=unit_lyon.pk)
    assert unit.version == 2 and unit.available == winner["available"]


def test_reports_without_version_are_serialised_not_lost(
    postgres, alice, carol, unit_lyon, slow_commit
):
    statuses = race(
        unit_lyon, [alice, carol], [FIGURES, {**FIGURES, "available": 0, "occupied": 10}]
    )

    assert statuses == [201, 201]
    versions = sorted(
        CapacityReport.objects.filter(unit=unit_lyon).values_list("version", flat=True)
    )
    assert versions == [2, 3]
    assert Unit.objects.get(pk=unit_lyon.pk).version == 3


def test_the_unit_alone_stays_locked_until_the_report_commits(postgres, unit_lyon):
    """Only the unit's row is locked (not its hospital's): a second writer of the unit waits,
    an edit of the hospital does not. Checked with NOWAIT from another connection."""
    from beds.services import _unit_locked

    outcomes: dict[str, str] = {}

    def other_writer() -> None:
        for name, model, pk in [
            ("unit", Unit, unit_lyon.pk),
            ("hospital", Hospital, unit_lyon.hospital_id),
        ]:
            try:
                with transaction.atomic():
                    model.objects.select_for_update(nowait=True).get(pk=pk)
                outcomes[name] = "free"
            except DatabaseError:
                outcomes[name] = "locked"
        connection.close()

    with transaction.atomic():
        locked = _unit_locked(unit_lyon.pk)
        thread = threading.Thread(target=other_writer)
        thread.start()
        thread.join(timeout=10)
        # Loaded with the unit, for the answer and the live event: no query later.
        assert locked.hospital.department.region.code == "84"

    assert outcomes == {"unit": "locked", "hospital": "free"}
    with transaction.atomic(), pytest.raises(Unit.DoesNotExist):
        _unit_locked(unit_lyon.pk + 1000)
