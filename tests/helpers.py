"""One helper per kind of set-up, for the tests of every folder (README, *Tests*).

- A browser signed in: `session_client(user)` (a session, no password check), and in Chromium
  `logged_in_page(browser, base_url, user)`; `settle(page)` waits until its page has loaded
  and its requests are done (`track_requests` for a page made otherwise).
- A machine: `token_client(user)` (a new API key of the user's) or `token_client(key=...)`;
  the `api` fixture of tests/conftest.py is this function.
- The staff page's form for a unit: `report_form(unit, **fields)`.
- A live socket through the real ASGI stack: `socket(path, user)`, not yet connected;
  `opened(path, user)`, connected and past its snapshot; `receive(ws)`, its next message.

Every helper is anonymous for `user=None`. Rows are made by tests/factories.py, reports by its
`report` (and `areport` in async tests), through the service that stores them.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import token_create
from tests.factories import REPORT_FIGURES

if TYPE_CHECKING:
    from channels.testing import WebsocketCommunicator

    from accounts.models import User
    from beds.models import Unit

# The site's own origin, as a browser on http://testserver/ sends it (cookie sockets need it).
ORIGIN = "http://testserver"


# --- clients --------------------------------------------------------------------------------


def session_client(user: User | None) -> Client:
    """A browser's client: signed in with a session (no password check), anonymous for None.
    From an async test: `await database_sync_to_async(session_client)(user)`."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def token_client(user: User | None = None, *, key: str | None = None) -> APIClient:
    """A machine's client: `Authorization: Token …` with a new key of `user`'s, or with `key`
    (a printed, imported or made-up one); anonymous when given neither."""
    client = APIClient()
    if user is not None:
        key = token_create(user=user)
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def logged_in_page(browser, base_url: str, user, *, viewport=(1366, 768)):  # noqa: ANN001, ANN201
    """A Chromium page whose context carries `user`'s session cookie (a `live_server` test)."""
    client = session_client(user)
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="fr-FR"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    page = track_requests(context.new_page())
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def track_requests(page):  # noqa: ANN001, ANN201
    """Keeps the page's HTTP requests in flight, for `settle` (`logged_in_page` does it)."""
    pending: dict[int, str] = {}
    page.on("request", lambda r: pending.__setitem__(id(r), r.url))
    page.on("requestfinished", lambda r: pending.pop(id(r), None))
    page.on("requestfailed", lambda r: pending.pop(id(r), None))
    page.bw_pending = pending  # type: ignore[attr-defined]
    return page


def settle(page, *, quiet_ms: int = 500, timeout_ms: int = 30_000) -> None:  # noqa: ANN001
    """Waits until the page has loaded and none of its HTTP requests has been in flight for
    `quiet_ms`; fails naming the requests still open after `timeout_ms`.

    Playwright's own "networkidle" is not used: the test servers of `live_server` are WSGI, so
    the pages' live feed retries its socket (docs/realtime.md: back-off up to 10 s), and a CI
    run once timed out waiting for that state with no way to tell which request it waited for.
    A WebSocket is not an HTTP request here: the feed's state is what the live tests check."""
    page.wait_for_load_state("load", timeout=timeout_ms)
    pending = page.bw_pending
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    while True:
        now = time.monotonic()
        if pending:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif (now - quiet_since) * 1000 >= quiet_ms:
            return
        if now > deadline:
            raise AssertionError(f"still loading after {timeout_ms} ms: {sorted(pending.values())}")
        page.wait_for_timeout(50)  # Playwright's events are handled meanwhile


# --- the staff page's form ------------------------------------------------------------------


def report_form(unit: Unit, **fields: object) -> dict[str, object]:
    """The POST body of the staff page's card for `unit` (`/beds/units/<id>/report/`):
    REPORT_FIGURES changed by `fields`, at the unit's current version unless `version=` says
    otherwise. Other fields (`note`, `confirm_jump`) are sent as given."""
    values = {**REPORT_FIGURES, **fields}
    data = {f"unit-{unit.pk}-{name}": value for name, value in values.items()}
    data[f"unit-{unit.pk}-version"] = values.pop("version", unit.version)
    return data


# --- live sockets ---------------------------------------------------------------------------


def _cookie(client: Client) -> tuple[bytes, bytes]:
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={value}".encode())


async def token_header(user: User) -> tuple[bytes, bytes]:
    """An `Authorization` header with a new token of `user`'s."""
    key = await database_sync_to_async(token_create)(user=user)
    return (b"authorization", f"Token {key}".encode())


async def session_cookie_header(user: User) -> tuple[bytes, bytes]:
    """A `Cookie` header carrying a new signed-in session of `user`'s."""
    return _cookie(await database_sync_to_async(session_client)(user))


async def socket(
    path: str,
    user: User | Client | None = None,
    *,
    auth: str = "token",
    origin: str | None = None,
    key: str | None = None,
) -> WebsocketCommunicator:
    """A communicator for `path` through `config.asgi.application`, as a client of
    http://testserver/ opens it (its `Host`), not yet connected.

    `user` comes with a new token of theirs (`auth="token"`) or a new session's cookie
    (`auth="cookie"`); a signed-in `Client` with its own session's cookie. `key` adds that
    token; `origin` an `Origin` header (browsers always send one)."""
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    headers = []
    if isinstance(user, Client):
        headers.append(_cookie(user))
    elif user is not None and auth == "cookie":
        headers.append(await session_cookie_header(user))
    elif user is not None:
        headers.append(await token_header(user))
    if key is not None:
        headers.append((b"authorization", f"Token {key}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers.append((b"host", b"testserver"))
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(communicator: WebsocketCommunicator) -> dict:
    # Round-trip through JSON text, as a real client reads it.
    return json.loads(await communicator.receive_from(timeout=5))


async def opened(path: str, user: User | Client | None = None, **kwargs) -> WebsocketCommunicator:  # noqa: ANN003
    """`socket(...)`, connected and past its snapshot."""
    ws = await socket(path, user, **kwargs)
    connected, _ = await ws.connect()
    assert connected
    assert (await receive(ws))["type"] == "snapshot"
    return ws
