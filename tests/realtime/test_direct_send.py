"""The hub writes fan-out messages with the server's own send, skipping channels' layers."""

from __future__ import annotations

from realtime.consumers import NationalConsumer
from realtime.middleware import DIRECT_SEND, DirectSendMiddleware


async def test_direct_send_middleware_puts_the_servers_send_in_the_scope():
    seen = {}

    async def app(scope, receive, send):  # noqa: ANN001, ANN202
        seen.update(scope)

    async def server_send(message):  # noqa: ANN001, ANN202
        return None

    await DirectSendMiddleware(app)(
        {"type": "websocket", "path": "/ws/national/"}, None, server_send
    )
    assert seen[DIRECT_SEND] is server_send
    assert seen["path"] == "/ws/national/"


async def test_consumer_sink_writes_a_websocket_send_straight_to_the_server():
    written = []

    async def server_send(message):  # noqa: ANN001, ANN202
        written.append(message)

    consumer = NationalConsumer()
    consumer.scope = {"type": "websocket", DIRECT_SEND: server_send}
    await consumer.sink()('{"type":"units.changed","seq":3,"units":[]}')
    assert written == [
        {"type": "websocket.send", "text": '{"type":"units.changed","seq":3,"units":[]}'}
    ]


def test_consumer_sink_falls_back_to_its_own_send_without_the_middleware():
    consumer = NationalConsumer()
    consumer.scope = {"type": "websocket"}
    assert consumer.sink() == consumer.send_text
