"""The reference: a bare `websockets` server with one Redis SUBSCRIBE per process and
`websockets.broadcast` to every local socket (docs/performance.md). No Django, no auth, no snapshot.

    PORT=8520 python -m bench.bare REDIS_URL CHANNEL
"""

from __future__ import annotations

import asyncio
import os
import sys

import redis.asyncio as aioredis
from websockets.asyncio.server import broadcast, serve

HELLO = '{"type":"snapshot","seq":0,"units":[]}'


async def main(redis_url: str, channel: str, port: int) -> None:
    sockets: set = set()

    async def handler(websocket) -> None:  # noqa: ANN001
        await websocket.send(HELLO)
        sockets.add(websocket)
        try:
            await websocket.wait_closed()
        finally:
            sockets.discard(websocket)

    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        async for message in pubsub.listen():
            if message["type"] == "message":
                broadcast(sockets, message["data"].decode())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(os.environ["PORT"])))
