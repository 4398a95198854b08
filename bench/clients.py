"""Socket clients in their own processes: they connect, time every message, and report.

The parent (the run) drives each process through a pipe: connect N sockets, later hand over
the send time of every report so the process computes each socket's delays and misses.
A message's units are keyed by (unit id, version): the key the poster knows at send time.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import re
import time
from dataclasses import dataclass, field
from typing import Any

from bench import wsclient

TYPE_RE = re.compile(rb'"type"\s*:\s*"([^"]+)"')
SEQ_RE = re.compile(rb'"seq"\s*:\s*(\d+)')
# Snapshots are large: take their type and seq with a regex instead of parsing them.
PARSE_LIMIT = 16_384


def unit_key(unit_id: int, version: int) -> int:
    return unit_id * 10_000_000 + version


@dataclass(eq=False)
class Sock:
    spec: dict
    client: wsclient.Client | None = None
    started: float = 0.0
    snapshot_at: float | None = None
    snapshot_bytes: int = 0
    seq: int | None = None
    gaps: int = 0
    resyncs: int = 0
    messages: int = 0
    error: str = ""
    recv: dict[int, float] = field(default_factory=dict)


def on_message(client: wsclient.Client, payload: bytes, received_at: float) -> None:
    sock: Sock = client.tag
    if len(payload) > PARSE_LIMIT:
        kind_match = TYPE_RE.search(payload)
        kind = kind_match.group(1).decode() if kind_match else ""
        seq_match = SEQ_RE.search(payload)
        seq = int(seq_match.group(1)) if seq_match else None
        units: list = []
    else:
        message = json.loads(payload)
        kind = message.get("type", "")
        seq = message.get("seq")
        units = message.get("units") or ()
    if kind == "snapshot":
        if sock.snapshot_at is None:
            sock.snapshot_at = received_at
            sock.snapshot_bytes = len(payload)
        else:
            sock.resyncs += 1
        sock.seq = seq
        return
    sock.messages += 1
    if seq is not None and sock.seq is not None and seq != sock.seq + 1:
        sock.gaps += 1
    sock.seq = seq
    for unit in units:
        sock.recv.setdefault(unit_key(unit["id"], unit["version"]), received_at)


class Worker:
    def __init__(self) -> None:
        self.socks: list[Sock] = []

    async def connect(self, specs: list[dict], concurrency: int, local_addr: str | None) -> dict:
        gate = asyncio.Semaphore(concurrency)
        t0 = time.monotonic()
        new = [Sock(spec=s) for s in specs]

        async def one(sock: Sock) -> None:
            async with gate:
                sock.started = time.monotonic()
                try:
                    sock.client = await wsclient.connect(
                        host=sock.spec["host"],
                        port=sock.spec["port"],
                        path=sock.spec["path"],
                        headers=sock.spec["headers"],
                        on_message=on_message,
                        local_addr=local_addr,
                        tag=sock,
                    )
                    # Connected means the snapshot is in: a dashboard shows nothing before it.
                    deadline = time.monotonic() + 60
                    while sock.snapshot_at is None and time.monotonic() < deadline:
                        if sock.client.closed.done():
                            raise ConnectionError("closed before its snapshot")
                        await asyncio.sleep(0.01)
                    if sock.snapshot_at is None:
                        raise TimeoutError("no snapshot within 60 s")
                except Exception as exc:  # counted, never fatal: the run reports failures
                    sock.error = f"{type(exc).__name__}: {exc}"[:200]

        await asyncio.gather(*(one(s) for s in new))
        self.socks += new
        ok = [s for s in new if not s.error]
        errors: dict[str, int] = {}
        for s in new:
            if s.error:
                errors[s.error] = errors.get(s.error, 0) + 1
        return {
            "ok": len(ok),
            "failed": len(new) - len(ok),
            "errors": errors,
            "elapsed": max((s.snapshot_at for s in ok), default=t0) - t0,
            "latencies": [s.snapshot_at - s.started for s in ok],
            "snapshot_bytes": max((s.snapshot_bytes for s in ok), default=0),
        }

    def reset(self) -> None:
        for sock in self.socks:
            sock.recv.clear()
            sock.gaps = sock.resyncs = sock.messages = 0

    def collect(self, sent: dict[int, float]) -> dict:
        """Delays of every socket for every report sent, and what each socket missed."""
        delays: list[float] = []
        worst: dict[int, float] = {}
        missing = gaps = resyncs = closed = 0
        sockets_missing = 0
        for sock in self.socks:
            if sock.error:
                continue
            if sock.client is not None and sock.client.closed.done():
                closed += 1
            got = 0
            for key, t_sent in sent.items():
                t = sock.recv.get(key)
                if t is not None:
                    delay = t - t_sent
                    delays.append(delay)
                    if delay > worst.get(key, -1.0):
                        worst[key] = delay
                    got += 1
            missed = len(sent) - got
            missing += missed
            sockets_missing += bool(missed)
            gaps += sock.gaps
            resyncs += sock.resyncs
        return {
            "delays": delays,
            "worst": worst,
            "missing": missing,
            "sockets_missing": sockets_missing,
            "gaps": gaps,
            "resyncs": resyncs,
            "closed": closed,
        }

    def close(self) -> None:
        for sock in self.socks:
            if sock.client is not None:
                sock.client.close()
        self.socks = []


def serve(conn: Any) -> None:
    """Entry point of a client process: run commands from the pipe until `exit`."""
    asyncio.run(_serve(conn))


async def _serve(conn: Any) -> None:
    loop = asyncio.get_running_loop()
    worker = Worker()
    while True:
        command, args = await loop.run_in_executor(None, conn.recv)
        if command == "exit":
            worker.close()
            await asyncio.sleep(0.2)
            conn.send(None)
            return
        if command == "connect":
            conn.send(await worker.connect(*args))
        elif command == "reset":
            worker.reset()
            conn.send(None)
        elif command == "collect":
            conn.send(worker.collect(*args))
        elif command == "close":
            worker.close()
            await asyncio.sleep(0.5)
            conn.send(None)
        elif command == "open":
            conn.send(sum(1 for s in worker.socks if s.client is not None and s.client.is_open))


class Pool:
    """K client processes; sockets are dealt among them."""

    def __init__(self, processes: int) -> None:
        ctx = mp.get_context("spawn")
        self.conns = []
        self.procs = []
        for _ in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=serve, args=(child,), daemon=True)
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def _all(self, command: str, per_proc_args: list[tuple]) -> list:
        for conn, args in zip(self.conns, per_proc_args, strict=True):
            conn.send((command, args))
        return [conn.recv() for conn in self.conns]

    async def call(self, command: str, per_proc_args: list[tuple] | None = None) -> list:
        args = per_proc_args or [()] * len(self.conns)
        return await asyncio.get_running_loop().run_in_executor(None, self._all, command, args)

    async def connect(
        self, specs: list[dict], *, concurrency: int, local_addrs: list[str | None]
    ) -> dict:
        k = len(self.conns)
        parts = [specs[i::k] for i in range(k)]
        results = await self.call(
            "connect",
            [(p, max(1, concurrency // k), a) for p, a in zip(parts, local_addrs, strict=True)],
        )
        errors: dict[str, int] = {}
        for r in results:
            for e, n in r["errors"].items():
                errors[e] = errors.get(e, 0) + n
        return {
            "ok": sum(r["ok"] for r in results),
            "failed": sum(r["failed"] for r in results),
            "errors": errors,
            "elapsed": max(r["elapsed"] for r in results),
            "latencies": [x for r in results for x in r["latencies"]],
            "snapshot_bytes": max(r["snapshot_bytes"] for r in results),
        }

    async def collect(self, sent: dict[int, float]) -> dict:
        results = await self.call("collect", [(sent,)] * len(self.conns))
        merged = {k: sum(r[k] for r in results) for k in results[0] if k not in ("delays", "worst")}
        merged["delays"] = [d for r in results for d in r["delays"]]
        merged["worst"] = {}
        for r in results:
            for key, delay in r["worst"].items():
                merged["worst"][key] = max(delay, merged["worst"].get(key, -1.0))
        return merged

    async def exit(self) -> None:
        try:
            await self.call("exit")
        finally:
            for proc in self.procs:
                proc.join(5)
                if proc.is_alive():
                    proc.terminate()
