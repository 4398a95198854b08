"""HTTP on a `ws:` process: `/healthz` for the proxy and monitoring, 404 for anything else.

The state is this process's feed (`Hub.state`): `ok` while its Redis subscription is up,
`degraded` while it reconnects (its sockets are told so, docs/realtime.md), `local` without
Redis. Everyone learns `status` (ok or degraded); the operator's monitoring
(BEDWATCH_MONITORING_ADDRESSES: by default this host, where a probe of the worker's own port
comes from) also `realtime`, the state itself. Asking starts the hub, so a worker subscribes
before its first socket.
"""

from __future__ import annotations

import json

from accounts.scopes import health_details_can_read
from realtime.hub import get_hub
from realtime.middleware import scope_client_ip


async def healthz(scope: dict, receive, send) -> None:  # noqa: ANN001
    if scope["type"] != "http":
        return
    if scope["path"] != "/healthz":
        await _respond(send, 404, {"detail": f"{scope['path']} is served by the web: processes"})
        return
    hub = get_hub()
    hub.start()
    state = hub.state
    body = {"status": "degraded" if state == "degraded" else "ok"}
    if health_details_can_read(None, scope_client_ip(scope)):
        body["realtime"] = state
    await _respond(send, 200, body)


async def _respond(send, status: int, body: dict) -> None:  # noqa: ANN001
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
