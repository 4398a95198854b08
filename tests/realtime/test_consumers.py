"""The live feed through the real ASGI stack (docs/realtime.md).

Runs on the in-memory path without REDIS_URL and on Redis pub/sub with it (CI).
"""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import Role
from beds.models import Unit
from tests.conftest import UNIT_CONTRACT_FIELDS
from tests.factories import HospitalFactory, UnitFactory, UserFactory, areport, report
from tests.helpers import receive, socket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_hub"),
]


async def test_snapshot_lists_every_unit_of_the_region_with_api_fields(
    carol, unit_lyon, unit_paris
):
    other_lyon = await _unit_in_region_84()
    ws = await socket("/ws/regions/84/", carol)
    connected, _ = await ws.connect()
    assert connected

    message = await receive(ws)

    assert message["type"] == "snapshot"
    assert isinstance(message["seq"], int)
    by_id = {u["id"]: u for u in message["units"]}
    assert set(by_id) == {unit_lyon.pk, other_lyon.pk}  # Paris is another région
    first = by_id[unit_lyon.pk]
    assert first["available"] == unit_lyon.available and first["installed"] == 10
    assert set(first) >= UNIT_CONTRACT_FIELDS
    await ws.disconnect()


async def test_national_snapshot_lists_units_of_every_region(dave, unit_lyon, unit_paris):
    ws = await socket("/ws/national/", dave)
    assert (await ws.connect())[0]

    message = await receive(ws)

    assert message["type"] == "snapshot"
    assert {u["id"] for u in message["units"]} == {unit_lyon.pk, unit_paris.pk}
    await ws.disconnect()


async def test_committed_report_reaches_region_socket_with_new_figures(alice, carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    snapshot = await receive(ws)

    await areport(unit_lyon, alice, available=1, occupied=9)

    message = await receive(ws)
    assert message["type"] == "units.changed"
    assert message["seq"] == snapshot["seq"] + 1
    assert [(u["id"], u["available"], u["occupied"], u["version"]) for u in message["units"]] == [
        (unit_lyon.pk, 1, 9, 2)
    ]
    await ws.disconnect()


async def test_rolled_back_report_publishes_nothing(alice, carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    snapshot = await receive(ws)

    # A report inside a transaction that then fails: nothing may be announced.
    await _report_then_roll_back(unit_lyon, alice)
    assert await Unit.objects.filter(pk=unit_lyon.pk, version=1).aexists()
    # The next committed report is the very next message, with the very next seq.
    await areport(unit_lyon, alice, available=0, occupied=10)

    message = await receive(ws)
    assert message["seq"] == snapshot["seq"] + 1
    assert message["units"][0]["available"] == 0 and message["units"][0]["version"] == 2
    await ws.disconnect()


async def test_seq_increases_by_one_per_message_without_gaps(alice, carol, dave, unit_lyon):
    region = await socket("/ws/regions/84/", carol)
    national = await socket("/ws/national/", dave)
    await region.connect()
    await national.connect()
    region_seq = (await receive(region))["seq"]
    national_seq = (await receive(national))["seq"]

    for available in (2, 1, 0, 1, 2):
        await areport(unit_lyon, alice, available=available, occupied=10 - available)

    region_messages = [await receive(region) for _ in range(5)]
    national_messages = [await receive(national) for _ in range(5)]
    assert [m["seq"] for m in region_messages] == list(range(region_seq + 1, region_seq + 6))
    assert [m["seq"] for m in national_messages] == list(range(national_seq + 1, national_seq + 6))
    assert [m["units"][0]["available"] for m in region_messages] == [2, 1, 0, 1, 2]
    assert [m["units"][0]["version"] for m in national_messages] == [2, 3, 4, 5, 6]
    await region.disconnect()
    await national.disconnect()


async def test_resync_request_gets_a_fresh_snapshot(alice, carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    await receive(ws)
    await areport(unit_lyon, alice, available=1, occupied=9)
    changed = await receive(ws)

    await ws.send_json_to({"type": "resync"})

    snapshot = await receive(ws)
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] >= changed["seq"]
    assert snapshot["units"][0]["available"] == 1 and snapshot["units"][0]["version"] == 2
    await ws.disconnect()


async def test_reconnecting_client_gets_current_figures(alice, carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    await receive(ws)
    await ws.disconnect()
    # Changes made while the client is away …
    await areport(unit_lyon, alice, available=0, occupied=10)

    again = await socket("/ws/regions/84/", carol)
    await again.connect()
    snapshot = await receive(again)

    # … are in the snapshot it gets when it comes back.
    assert snapshot["type"] == "snapshot"
    assert snapshot["units"][0]["available"] == 0 and snapshot["units"][0]["version"] == 2
    await again.disconnect()


async def test_unknown_message_gets_an_error_and_keeps_the_socket(carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    await receive(ws)

    await ws.send_to(text_data="hello")

    assert (await receive(ws))["type"] == "error"
    await ws.send_json_to({"type": "resync"})
    assert (await receive(ws))["type"] == "snapshot"
    await ws.disconnect()


# -- who may listen --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path", "allowed"),
    [
        (None, "/ws/regions/84/", False),
        (None, "/ws/national/", False),
        ("alice", "/ws/regions/84/", True),  # staff: its hospitals' région
        ("alice", "/ws/regions/11/", False),
        ("alice", "/ws/national/", False),
        ("bob", "/ws/regions/84/", False),  # staff of another région
        ("carol", "/ws/regions/84/", True),  # coordinator of 84
        ("carol", "/ws/regions/11/", False),
        ("carol", "/ws/national/", False),
        ("coordinator_11", "/ws/regions/84/", False),  # coordinator of another région
        ("dave", "/ws/regions/84/", True),  # dispatcher: its région …
        ("dave", "/ws/regions/11/", True),  # … and, read-only, the whole country
        ("dave", "/ws/national/", True),
        ("erin", "/ws/regions/11/", True),  # admin
        ("erin", "/ws/national/", True),
        ("carol", "/ws/regions/99/", False),  # no such région
        ("erin", "/ws/regions/99/", False),
        ("inactive", "/ws/regions/84/", False),
    ],
)
async def test_scope_decides_who_is_accepted(who, path, allowed, people, unit_lyon):
    user = people[who] if who else None
    ws = await socket(path, user)

    connected, _ = await ws.connect()

    assert connected is allowed
    if allowed:
        assert (await receive(ws))["type"] == "snapshot"
    await ws.disconnect()


async def test_session_cookie_authenticates_a_browser_from_our_origin(carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol, auth="cookie", origin="http://testserver")
    connected, _ = await ws.connect()
    assert connected
    assert (await receive(ws))["type"] == "snapshot"
    await ws.disconnect()


async def test_session_cookie_from_another_site_is_refused(carol, unit_lyon):
    ws = await socket("/ws/regions/84/", carol, auth="cookie", origin="https://evil.example")
    assert not (await ws.connect())[0]
    await ws.disconnect()


async def test_session_cookie_without_origin_is_refused(carol, unit_lyon):
    # Only programs omit Origin, and programs use tokens.
    ws = await socket("/ws/regions/84/", carol, auth="cookie")
    assert not (await ws.connect())[0]
    await ws.disconnect()


async def test_token_works_without_origin_and_from_our_origin(carol, unit_lyon):
    for origin in (None, "http://testserver"):
        ws = await socket("/ws/regions/84/", carol, origin=origin)
        assert (await ws.connect())[0]
        assert (await receive(ws))["type"] == "snapshot"
        await ws.disconnect()


async def test_wrong_token_is_refused_even_with_a_valid_cookie(carol, unit_lyon):
    ws = await socket(
        "/ws/regions/84/", carol, auth="cookie", origin="http://testserver", key="not-a-token"
    )
    assert not (await ws.connect())[0]
    await ws.disconnect()


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def people(alice, bob, carol, dave, erin, region_idf):  # noqa: ANN001, ANN201
    """Everyone of conftest, plus a coordinator of Île-de-France and a deactivated account."""
    coordinator_11 = UserFactory(username="coord11", role=Role.COORDINATOR, regions=[region_idf])
    inactive = UserFactory(username="gone", role=Role.DISPATCHER, is_active=False)
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "dave": dave,
        "erin": erin,
        "coordinator_11": coordinator_11,
        "inactive": inactive,
    }


async def _unit_in_region_84() -> Unit:
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def create() -> Unit:
        from regions.models import Department

        hospital = HospitalFactory(department=Department.objects.get(code="38"))
        return UnitFactory(hospital=hospital, label="USC")

    return await create()


async def _report_then_roll_back(unit: Unit, user) -> None:  # noqa: ANN001
    from channels.db import database_sync_to_async

    @database_sync_to_async
    def run() -> None:
        try:
            with transaction.atomic():
                report(unit, user)
                raise RuntimeError("the surrounding work failed")
        except RuntimeError:
            pass

    await run()


async def test_change_committed_while_the_snapshot_is_read_is_not_lost(alice, carol, unit_lyon):
    from realtime import snapshots

    original = snapshots._provider
    raced = []

    def snapshot_racing_a_report(audience: str) -> dict | None:
        # A report commits (and is published) after the seq was read, before the snapshot is.
        if not raced:
            raced.append(report(unit_lyon, alice, available=0, occupied=10))
        return original(audience)

    snapshots.set_snapshot_provider(snapshot_racing_a_report)
    try:
        ws = await socket("/ws/regions/84/", carol)
        await ws.connect()
        snapshot = await receive(ws)
        changed = await receive(ws)
    finally:
        snapshots.set_snapshot_provider(original)

    assert snapshot["type"] == "snapshot"
    assert changed["type"] == "units.changed" and changed["seq"] == snapshot["seq"] + 1
    assert changed["units"][0]["available"] == 0 and changed["units"][0]["version"] == 2
    await ws.disconnect()


async def test_audience_resync_sends_every_socket_a_snapshot_then_changes(
    alice, carol, dave, unit_lyon
):
    # What happens to the sockets of a worker when Redis comes back.
    from realtime.hub import get_hub

    first = await socket("/ws/regions/84/", carol)
    second = await socket("/ws/regions/84/", dave)
    for ws in (first, second):
        await ws.connect()
        await receive(ws)
    await areport(unit_lyon, alice, available=1, occupied=9)
    for ws in (first, second):
        assert (await receive(ws))["type"] == "units.changed"

    get_hub().schedule_resync("region.84")
    snapshots = [await receive(ws) for ws in (first, second)]
    await areport(unit_lyon, alice, available=0, occupied=10)
    changes = [await receive(ws) for ws in (first, second)]

    for snapshot, change in zip(snapshots, changes, strict=True):
        assert snapshot["type"] == "snapshot"
        assert snapshot["units"][0]["available"] == 1 and snapshot["units"][0]["version"] == 2
        assert change["type"] == "units.changed" and change["seq"] == snapshot["seq"] + 1
        assert change["units"][0]["available"] == 0
    for ws in (first, second):
        await ws.disconnect()


async def test_resync_more_than_once_per_period_closes_the_socket_with_4429(
    carol, unit_lyon, settings
):
    settings.BEDWATCH_RESYNC_MIN_SECONDS = 5
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    await receive(ws)
    # The first resync is served …
    await ws.send_json_to({"type": "resync"})
    assert (await receive(ws))["type"] == "snapshot"
    # … a second one within the period closes the socket instead of reading another snapshot.
    await ws.send_json_to({"type": "resync"})
    assert await ws.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}
    await ws.disconnect()


async def test_resync_after_the_period_is_served_again(carol, unit_lyon, settings, monkeypatch):
    settings.BEDWATCH_RESYNC_MIN_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr("realtime.consumers.time.monotonic", lambda: clock[0])
    ws = await socket("/ws/regions/84/", carol)
    await ws.connect()
    await receive(ws)
    for _ in range(3):
        await ws.send_json_to({"type": "resync"})
        assert (await receive(ws))["type"] == "snapshot"
        clock[0] += 5.1
    await ws.disconnect()
