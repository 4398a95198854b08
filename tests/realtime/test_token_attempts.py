"""Wrong tokens on the live feed's handshake count against the client's address, in the API's
budget (BEDWATCH_API_BAD_TOKENS, Django's cache): past it, a handshake with a token from that
address is refused before anything is looked up, a right token included, until the window ends.
Other addresses, and browsers with their cookie, are not affected.

World: carol (coordinator of 84) has a token; addresses are the proxy's X-Forwarded-For, as in
production (BEDWATCH_PROXY_COUNT=1)."""

from __future__ import annotations

import secrets
import time as real_time
import uuid
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from accounts import authentication, selectors, throttling
from config.asgi import application
from realtime.middleware import scope_client_ip
from tests.helpers import session_cookie_header, token_header
from tests.realtime.conftest import fresh_hub  # noqa: F401
from tests.servers import create_account, server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_hub")]

WRONG = (b"authorization", b"Token 0000000000000000000000000000000000000000")
GUESSER, NEIGHBOUR = "203.0.113.66", "198.51.100.7"


@pytest.fixture(autouse=True)
def limit(settings, monkeypatch):  # noqa: ANN001, ANN201
    """Three wrong tokens a minute, counted in a cache of this test's own, in a minute that
    does not end during the test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"token-attempts-{uuid.uuid4()}",
        }
    }
    settings.BEDWATCH_BAD_TOKENS = (3, 60)
    settings.BEDWATCH_BAD_TOKENS_RATE = "3/min"
    settings.BEDWATCH_PROXY_COUNT = 1
    settings.BEDWATCH_TOKEN_CACHE_SECONDS = 0
    authentication.forget_all()
    frozen = SimpleNamespace(time=lambda: 1_800_000_000.0, monotonic=real_time.monotonic)
    monkeypatch.setattr(throttling, "time", frozen)


async def handshake(address: str, *headers: tuple[bytes, bytes]) -> tuple[bool, int | None]:
    """(opened, close code) of a handshake on région 84's feed from `address`."""
    ws = WebsocketCommunicator(
        application,
        "/ws/regions/84/",
        headers=[*headers, (b"host", b"testserver"), (b"x-forwarded-for", address.encode())],
    )
    opened, code = await ws.connect(timeout=5)
    await ws.disconnect()
    return opened, code if not opened else None


async def guess(address: str, times: int) -> None:
    for _ in range(times):
        assert (await handshake(address, WRONG))[0] is False


async def test_past_the_limit_even_a_right_token_is_refused_without_a_look_up(
    carol, django_db_blocker, monkeypatch
):
    right = await token_header(carol)
    await guess(GUESSER, 3)

    def looked_up(**kwargs):  # noqa: ANN003, ANN202
        raise AssertionError("the token was looked up")

    monkeypatch.setattr(selectors, "token_user", looked_up)
    with django_db_blocker.block():  # any query would raise
        assert await handshake(GUESSER, right) == (False, 4429)
        assert await handshake(GUESSER, WRONG) == (False, 4429)


async def test_a_right_token_under_the_limit_opens(carol):
    right = await token_header(carol)
    await guess(GUESSER, 2)

    assert await handshake(GUESSER, right) == (True, None)


async def test_another_address_is_not_affected(carol):
    right = await token_header(carol)
    await guess(GUESSER, 3)

    assert await handshake(NEIGHBOUR, right) == (True, None)
    assert (await handshake(GUESSER, right))[0] is False


async def test_a_browser_with_its_cookie_is_not_refused_by_its_addresss_wrong_tokens(carol):
    cookie = await session_cookie_header(carol)
    await guess(GUESSER, 3)

    opened = await handshake(GUESSER, cookie, (b"origin", b"http://testserver"))

    assert opened == (True, None)


async def test_wrong_tokens_on_the_api_and_the_feed_share_one_budget(carol):
    right = await token_header(carol)

    @database_sync_to_async
    def api_guess() -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token " + "1" * 40)
        return client.get(
            "/api/v1/hospitals/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=GUESSER
        ).status_code

    assert [await api_guess() for _ in range(2)] == [401, 401]
    await guess(GUESSER, 1)

    assert await handshake(GUESSER, right) == (False, 4429)
    assert await api_guess() == 429


@pytest.mark.parametrize(
    ("count", "client", "forwarded", "expected"),
    [
        (0, ("10.0.0.1", 5000), [b"203.0.113.1"], "10.0.0.1"),  # no proxy: the header is anyone's
        (1, ("127.0.0.1", 5000), [b"6.6.6.6, 203.0.113.1"], "203.0.113.1"),
        (1, ("127.0.0.1", 5000), [b"6.6.6.6", b"203.0.113.1"], "203.0.113.1"),  # two headers
        (1, ("127.0.0.1", 5000), [], "127.0.0.1"),
        (1, None, [b"not-an-address"], None),
        (0, None, [], None),
    ],
)
def test_a_sockets_client_address_is_the_one_http_requests_get(
    settings, count, client, forwarded, expected
):
    settings.BEDWATCH_PROXY_COUNT = count
    scope = {"client": client, "headers": [(b"x-forwarded-for", value) for value in forwarded]}
    assert scope_client_ip(scope) == expected


@pytest.mark.slow
async def test_a_ws_worker_answers_a_limited_handshake_with_429_and_retry_after(
    server_database, tmp_path
):
    token = create_account(server_database, "watch", "coordinator", region="84")
    env = {
        "DATABASE_URL": server_database,
        "BEDWATCH_API_BAD_TOKENS": "2/day",
        "BEDWATCH_PROXY_COUNT": "1",
    }
    # Addresses of this run only: the counts may live in a Redis that outlives the test.
    guesser, neighbour = (f"2001:db8::{secrets.token_hex(2)}:{i}" for i in (1, 2))

    async def status(address: str, key: str) -> tuple[int, dict]:
        headers = {"Authorization": f"Token {key}", "X-Forwarded-For": address}
        try:
            async with connect(
                ws.url.replace("http", "ws") + "/ws/regions/84/",
                additional_headers=headers,
                open_timeout=10,
            ):
                return 101, {}
        except InvalidStatus as refused:
            return refused.response.status_code, refused.response.headers

    with server("ws", env, log_dir=tmp_path) as ws:
        assert [(await status(guesser, "0" * 40))[0] for _ in range(2)] == [403, 403]

        code, headers = await status(guesser, token)

        assert code == 429 and int(headers["Retry-After"]) > 0, ws.log()
        assert (await status(neighbour, token))[0] == 101
