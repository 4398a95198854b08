"""A lean WebSocket client for load generation: thousands of sockets in one process.

The benchmark must measure the server, not the client, on a 2-core machine: a full client
library costs tens of µs per frame, this one parses server frames (unmasked) straight from
the transport and answers pings. RFC 6455 is followed only as far as servers need it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def handshake_request(host: str, path: str, headers: dict[str, str]) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin1")


def mask_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask); for the few control frames we send."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


def parse_frames(buf: bytearray) -> tuple[list[tuple[bool, int, bytes]], int]:
    """Complete frames at the start of `buf` as (fin, opcode, payload), and bytes consumed."""
    frames = []
    pos = 0
    size = len(buf)
    while size - pos >= 2:
        b0 = buf[pos]
        b1 = buf[pos + 1]
        length = b1 & 0x7F
        head = 2
        if length == 126:
            if size - pos < 4:
                break
            length = struct.unpack_from("!H", buf, pos + 2)[0]
            head = 4
        elif length == 127:
            if size - pos < 10:
                break
            length = struct.unpack_from("!Q", buf, pos + 2)[0]
            head = 10
        if b1 & 0x80:  # a masked server frame is a protocol error; we do not expect one
            raise ValueError("server frame is masked")
        end = pos + head + length
        if end > size:
            break
        frames.append((bool(b0 & 0x80), b0 & 0x0F, bytes(buf[pos + head : end])))
        pos = end
    return frames, pos


class Client(asyncio.Protocol):
    """One socket. `on_message(client, payload, received_at)` gets each whole data message."""

    def __init__(
        self,
        *,
        host: str,
        path: str,
        headers: dict[str, str],
        on_message: Callable[[Client, bytes, float], None],
        tag: object = None,
    ) -> None:
        self.request = handshake_request(host, path, headers)
        self.on_message = on_message
        self.tag = tag
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.upgraded = False
        self.status = 0
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.fragments: list[bytes] = []
        self.bytes_received = 0

    # asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.bytes_received += len(data)
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            status_line = bytes(self.buf[: self.buf.find(b"\r\n")]).decode("latin1")
            parts = status_line.split(" ", 2)
            self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
            del self.buf[: end + 4]
            if self.status != 101:
                self._fail(ConnectionError(f"handshake refused: {status_line}"))
                return
            self.upgraded = True
            if not self.opened.done():
                self.opened.set_result(None)
        try:
            frames, used = parse_frames(self.buf)
        except ValueError as exc:
            self._fail(exc)
            return
        if used:
            del self.buf[:used]
        for fin, opcode, payload in frames:
            if opcode in (OP_TEXT, OP_BINARY, OP_CONT):
                if not fin:
                    self.fragments.append(payload)
                    continue
                if self.fragments:
                    payload = b"".join([*self.fragments, payload])
                    self.fragments = []
                self.on_message(self, payload, now)
            elif opcode == OP_PING:
                self.transport.write(mask_frame(OP_PONG, payload))
            elif opcode == OP_CLOSE and not self.transport.is_closing():
                self.transport.write(mask_frame(OP_CLOSE, payload[:2]))
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(
                exc or ConnectionError(f"closed during the handshake (HTTP {self.status})")
            )
        if not self.closed.done():
            self.closed.set_result(exc)

    # API -----------------------------------------------------------------------------------

    def send_text(self, text: str) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(OP_TEXT, text.encode()))

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(mask_frame(OP_CLOSE, struct.pack("!H", 1000)))
            self.transport.close()

    @property
    def is_open(self) -> bool:
        return self.upgraded and self.transport is not None and not self.transport.is_closing()

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        if self.transport is not None:
            self.transport.close()


async def connect(
    *,
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    on_message: Callable[[Client, bytes, float], None],
    local_addr: str | None = None,
    tag: object = None,
    timeout: float = 30.0,
) -> Client:
    """Open a socket and wait for the 101; raises on refusal, error or timeout."""
    loop = asyncio.get_running_loop()
    _transport, client = await asyncio.wait_for(
        loop.create_connection(
            lambda: Client(
                host=f"{host}:{port}", path=path, headers=headers, on_message=on_message, tag=tag
            ),
            host,
            port,
            local_addr=(local_addr, 0) if local_addr else None,
        ),
        timeout,
    )
    await asyncio.wait_for(client.opened, timeout)
    return client
