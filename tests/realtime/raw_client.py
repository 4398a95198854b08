"""A WebSocket client on a bare socket that reads only when asked: a slow browser, for tests."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct


class RawFeed:
    """Connects with a tiny receive buffer and a token; `send_json` writes, `next_frame` reads.

    Between reads nothing is taken from the socket, so the server's buffers for it fill up.
    """

    def __init__(self, port: int, path: str, token: str) -> None:
        self.sock = socket.socket()
        # A small window and segments, as on a slow link: the server's kernel then sizes its
        # send buffer for this connection small too (on loopback it would grow to 4 MB).
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 536)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: Token {token}\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            raise AssertionError(f"handshake refused: {head!r}")
        self.bytes_read = 0

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self.buffer += self._recv()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        self.bytes_read += size
        return data

    def send_json(self, message: dict) -> None:
        payload = json.dumps(message).encode()
        assert len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)

    def next_frame(self) -> tuple[str, dict | int]:
        """("message", the JSON) or ("close", its code); pings are answered and skipped."""
        while True:
            first, second = self._take(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", self._take(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", self._take(8))
            payload = self._take(length)
            opcode = first & 0x0F
            if opcode == 0x9:  # ping: pong with the same payload
                mask = os.urandom(4)
                masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask + masked)
                continue
            if opcode == 0x8:
                return "close", struct.unpack("!H", payload[:2])[0] if payload else 1005
            assert opcode == 0x1 and first & 0x80, f"unexpected frame {first:#x}"
            return "message", json.loads(payload)

    def close(self) -> None:
        self.sock.close()
