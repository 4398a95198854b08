"""The hub's side of access changes: which sockets a revoke or a recheck closes, and with what."""

from __future__ import annotations

import asyncio

import pytest

from realtime import publisher

# The snapshot read goes through database_sync_to_async, which checks the thread's connection.
pytestmark = pytest.mark.django_db


class Socket:
    def __init__(self, verdict: int | None | Exception = None) -> None:
        self.closed: int | None = None
        self.verdict = verdict
        self.checks = 0

    async def sink(self, text: str) -> None:
        pass

    async def close(self, code: int) -> None:
        self.closed = code

    async def recheck(self) -> int | None:
        self.checks += 1
        if isinstance(self.verdict, Exception):
            raise self.verdict
        return self.verdict


@pytest.fixture
def hub(local_hub):  # noqa: ANN001, ANN201
    return local_hub


async def join(  # noqa: ANN201
    hub,  # noqa: ANN001
    socket: Socket,
    user_id: int,
    credential: str = "",
    audience: str = "national",
):
    await hub.join(
        audience,
        socket.sink,
        socket.close,
        user_id=user_id,
        credential=credential,
        recheck=socket.recheck,
    )


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_revoke_with_a_credential_closes_only_the_sockets_opened_with_it(hub):
    office, home, other_user = Socket(), Socket(), Socket()
    await join(hub, office, 1, "session:a")
    await join(hub, home, 1, "session:b")
    await join(hub, other_user, 2, "session:a")

    hub.access_changed({"op": "revoke", "user": 1, "credential": "session:a"})
    await settle()

    assert (office.closed, home.closed, other_user.closed) == (4401, None, None)
    assert hub.by_user.keys() == {1, 2}


async def test_revoke_without_a_credential_closes_every_socket_of_the_user(hub):
    first, second = Socket(), Socket()
    await join(hub, first, 1, "session:a")
    await join(hub, second, 1, "token:t")

    hub.access_changed({"op": "revoke", "user": 1})
    await settle()

    assert (first.closed, second.closed) == (4401, 4401)
    assert 1 not in hub.by_user
    assert "national" not in hub.members


async def test_recheck_closes_with_the_code_each_socket_gives(hub):
    allowed, forbidden, broken = Socket(None), Socket(4403), Socket(RuntimeError("db down"))
    for credential, socket in zip("abc", (allowed, forbidden, broken), strict=True):
        await join(hub, socket, 1, f"token:{credential}")

    hub.access_changed({"op": "recheck", "user": 1})
    await settle()

    # A check that fails closes with 1011: the client reconnects and the handshake decides.
    assert (allowed.closed, forbidden.closed, broken.closed) == (None, 4403, 1011)
    assert len(hub.by_user[1]) == 1


async def test_access_message_for_a_user_without_sockets_does_nothing(hub):
    socket = Socket()
    await join(hub, socket, 1)

    hub.access_changed({"op": "revoke", "user": 99})
    hub.access_changed({"op": "recheck", "user": 99})
    hub.access_changed({"op": "revoke"})  # malformed: logged, ignored
    await settle()

    assert socket.closed is None


async def test_access_change_published_without_redis_reaches_the_hub(hub):
    socket = Socket()
    await join(hub, socket, 7, "token:x")

    publisher.revoke_sockets(user_id=7, credential="token:x")
    await settle()

    assert socket.closed == 4401


async def test_recheck_all_judges_every_socket_once_per_user_credential_and_audience(hub):
    # Two tabs of one session on one feed share a verdict; the same session on another feed,
    # another token of the user and another user are judged on their own.
    tab, other_tab = Socket(4401), Socket(4401)
    regional, other_token, other_user = Socket(None), Socket(None), Socket(4403)
    await join(hub, tab, 1, "session:a")
    await join(hub, other_tab, 1, "session:a")
    await join(hub, regional, 1, "session:a", audience="region:84")
    await join(hub, other_token, 1, "token:t")
    await join(hub, other_user, 2, "session:a")

    hub.recheck_all()
    await settle()

    sockets = (tab, other_tab, regional, other_token, other_user)
    assert [s.closed for s in sockets] == [4401, 4401, None, None, 4403]
    assert tab.checks + other_tab.checks == 1
    assert [s.checks for s in sockets[2:]] == [1, 1, 1]
    assert hub.by_user.keys() == {1}


async def test_a_sweep_that_cannot_check_keeps_every_socket_and_stops(hub):
    # The database does not answer: nothing was announced, so no dashboard is dropped.
    first, second = Socket(RuntimeError("db down")), Socket(RuntimeError("db down"))
    await join(hub, first, 1, "token:a")
    await join(hub, second, 2, "token:b")

    hub.recheck_all()
    await settle()

    assert (first.closed, second.closed) == (None, None)
    assert first.checks + second.checks == 1  # stopped at the first failure
    assert hub.by_user.keys() == {1, 2}


async def test_every_socket_is_judged_again_periodically_without_any_message(hub, settings):
    settings.BEDWATCH_ACCESS_RECHECK_SECONDS = 0.05
    expired, still_allowed = Socket(4401), Socket(None)
    await join(hub, expired, 1, "session:a")  # the first join starts the hub and its sweeps
    await join(hub, still_allowed, 2, "session:b")

    for _ in range(100):
        if expired.closed is not None and still_allowed.checks >= 2:
            break
        await asyncio.sleep(0.05)

    assert expired.closed == 4401
    assert still_allowed.closed is None and still_allowed.checks >= 2  # every round, again
