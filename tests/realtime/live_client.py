"""A real WebSocket client for tests against server processes (the `websockets` package)."""

from __future__ import annotations

import asyncio
import json

from websockets.asyncio.client import ClientConnection, connect

TIMEOUT = 30.0


async def open_feed(ws_url: str, path: str, token: str) -> ClientConnection:
    """A socket authenticated as a machine client: token header, no Origin."""
    return await connect(
        ws_url + path, additional_headers={"Authorization": f"Token {token}"}, open_timeout=10
    )


async def next_message(ws: ClientConnection, timeout: float = TIMEOUT) -> dict:
    """The next message of the feed, heartbeats (`status`) skipped."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] != "status":
            return message


async def next_status(ws: ClientConnection, timeout: float = TIMEOUT) -> dict:
    """The next `status` message, feed messages skipped."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == "status":
            return message


async def next_of_type(ws: ClientConnection, kind: str, timeout: float = TIMEOUT) -> dict:
    """Skip messages until one of type `kind` (e.g. a resync snapshot after changes)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == kind:
            return message
