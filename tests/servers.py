"""Real server processes for tests: a migrated database of their own, the production layout
(`web:` and `ws:` workers of the Procfile behind a proxy) or `make run`'s Daphne, on free ports.

    def test_something(server_database):
        manage(server_database, "seed_demo")
        with site({"DATABASE_URL": server_database}) as server:
            urlopen(server.url + "/healthz")

`BEDWATCH_TEST_PORTS=8200-8299` keeps every port a test opens inside a range (one range per
developer sharing a machine); without it the system picks free ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import service_missing

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0
LYON = "690783154"  # Hospices Civils de Lyon, in the demo data (région 84)
PASSWORD = "x-Very-long-pass-9"  # for the accounts that sign in through a browser
_taken: set[int] = set()


def free_port() -> int:
    """A TCP port nobody listens on, inside BEDWATCH_TEST_PORTS when it is set."""
    span = os.getenv("BEDWATCH_TEST_PORTS", "").strip()
    if span:
        low, _, high = span.partition("-")
        candidates = [p for p in range(int(low), int(high or low) + 1) if p not in _taken]
    else:
        candidates = [0]
    for port in candidates:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            port = sock.getsockname()[1]
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in BEDWATCH_TEST_PORTS={span}")


def server_env(overrides: dict[str, str | None]) -> dict[str, str]:
    """The environment of a child process: ours, minus test-only values, plus `overrides`
    (None removes a variable)."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER"):
        env.pop(name, None)
    env.setdefault("DJANGO_DEBUG", "1")
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    env["PYTHONUNBUFFERED"] = "1"
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(database_url: str, *args: str, env: dict[str, str | None] | None = None) -> str:
    """Run `manage.py args…` on that database; its output, or a failure naming the command."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=server_env({"REDIS_URL": None, **(env or {}), "DATABASE_URL": database_url}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def create_account(
    database_url: str,
    username: str,
    role: str,
    *,
    region: str | None = None,
    hospital: str | None = None,
    password: str | None = None,
) -> str:
    """`manage.py create_account` on that database: the account's API token, or "" when it
    signs in with `password` instead."""
    args = ["create_account", username, "--role", role]
    if region:
        args += ["--region", region]
    if hospital:
        args += ["--hospital", hospital]
    args += ["--password", password] if password else ["--token"]
    output = manage(database_url, *args)
    return "" if password else output.split()[-1]


def seed_nurse_and_watcher(database_url: str) -> tuple[str, str]:
    """The demo data, a nurse of LYON ("nurse") and a coordinator of région 84 ("watch"): their
    API tokens, (nurse, watcher)."""
    manage(database_url, "seed_demo")
    nurse = create_account(database_url, "nurse", "staff", hospital=LYON)
    watcher = create_account(database_url, "watch", "coordinator", region="84")
    return nurse, watcher


def figures_for(unit: dict, available: int) -> dict:
    """The six figures of `unit` (as the API shows it) with `available` free beds, at most all
    of them, and the others occupied."""
    available = min(available, unit["installed"])
    return {
        "installed": unit["installed"],
        "available": available,
        "occupied": unit["installed"] - available,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
    }


class Endpoint:
    """What tests use of a running site: its URLs, HTTP requests, reports and logs."""

    url: str
    ws_url: str

    def log(self) -> str:
        raise NotImplementedError

    def report(
        self, unit: dict, available: int, *, token: str, version: int | None = None
    ) -> tuple[int, dict]:
        """Posts `figures_for(unit, available)` (with `version` when given) as a report."""
        body = figures_for(unit, available)
        if version is not None:
            body["version"] = version
        return self.request("POST", f"/api/v1/units/{unit['id']}/reports/", token=token, body=body)

    def request(
        self, method: str, path: str, *, token: str | None = None, body: dict | None = None
    ) -> tuple[int, dict]:
        """An HTTP request to the server; (status, JSON body)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Token {token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                return exc.code, json.loads(raw or b"{}")
            except ValueError:
                return exc.code, {"raw": raw.decode(errors="replace")[:2000]}


def procfile_command(kind: str, path: Path | None = None) -> str:
    """The command of the Procfile's `kind:` line (`web`, `ws`), as a shell would run it."""
    path = path or REPO / "Procfile"
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == kind:
            return command.strip()
    raise AssertionError(f"the Procfile has no {kind}: line")


@dataclass
class Listening(Endpoint):
    """An endpoint listening on a port of this machine."""

    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@dataclass
class Server(Listening):
    """One server process on 127.0.0.1:port, of one of four kinds:

    `web` (the Procfile's line: gunicorn, HTTP only), `ws` (the Procfile's line: the ASGI
    server with only the socket routes and /healthz), `run` (`make run`'s one process: Daphne
    serving HTTP and sockets, the scheduler's jobs in its threads) or `daphne` (the same
    without the scheduler).
    """

    env: dict[str, str | None]
    log_path: Path
    process: subprocess.Popen | None = None
    kind: str = "daphne"
    _log: object = field(default=None, repr=False)

    def command(self) -> list[str]:
        if self.kind == "run":  # `make run`'s command
            return [
                sys.executable,
                "manage.py",
                "run_scheduler",
                "--serve",
                f"127.0.0.1:{self.port}",
            ]
        if self.kind == "daphne":
            # Daphne's runserver, without the reloader's second process.
            return [
                sys.executable,
                "manage.py",
                "runserver",
                "--noreload",
                f"127.0.0.1:{self.port}",
            ]
        # As a Procfile runner does: through the shell, with $PORT set.
        return ["/bin/sh", "-c", "exec " + procfile_command(self.kind)]

    def start(self) -> Server:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        env = server_env(self.env)
        env["PORT"] = str(self.port)
        env.setdefault("WEB_CONCURRENCY", "2")
        self.process = spawn(self.command(), env=env, log=self._log)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.kind} exited at start-up:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"{self.kind} did not answer within {START_TIMEOUT} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            stopped(self.process)
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


class PathProxy:
    """A stand-in for the nginx of docs/deployment.md: `/ws/` to a `ws:` worker, the rest to a
    `web:` worker, all on one port (one origin for the browser).

    Each connection goes where its first request line says: a WebSocket is a connection of its
    own, and gunicorn closes every HTTP connection after its answer (`Connection: close`).
    """

    def __init__(self, web_port: int, ws_port: int, port: int | None = None) -> None:
        self.web_port, self.ws_port = web_port, ws_port
        self.port = port or free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    def start(self) -> PathProxy:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port), self.loop
        )
        self.server = future.result(timeout=10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self.server is not None:
                self.server.close()
            # Closing the connections ends their pipes (cancelling them would log errors).
            for writer in list(self.writers):
                writer.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            await asyncio.wait(tasks, timeout=5) if tasks else None

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.add(writer)
        try:
            line = await reader.readuntil(b"\r\n")
            target = line.split(b" ")[1] if line.count(b" ") >= 2 else b"/"
            port = self.ws_port if target.startswith(b"/ws/") else self.web_port
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        self.writers.add(up_writer)
        up_writer.write(line)
        await asyncio.gather(
            _pipe(reader, up_writer), _pipe(up_reader, writer), return_exceptions=True
        )
        self.writers.difference_update((writer, up_writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()  # a client that does not read holds the worker back, as nginx
    finally:
        writer.close()


@dataclass
class Site(Endpoint):
    """The production layout: `web:` workers (gunicorn), `ws:` workers (the ASGI server) and
    the proxy in front of them. `url`/`ws_url` go through the proxy; `webs`/`wss` are the
    workers, for tests that pick one."""

    proxy: PathProxy
    webs: list[Server]
    wss: list[Server]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.proxy.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.proxy.port}"

    @property
    def ws(self) -> Server:
        return self.wss[0]

    def log(self) -> str:
        return "\n".join(f"--- {s.kind} {s.port}\n{s.log()}" for s in (*self.webs, *self.wss))


@contextmanager
def server(
    kind: str,
    env: dict[str, str | None],
    *,
    port: int | None = None,
    log_dir: Path | None = None,
) -> Iterator[Server]:
    """A started server of `kind` (it answered /healthz), stopped on the way out."""
    port = port or free_port()
    log_dir = log_dir or Path(tempfile.gettempdir())
    started = Server(port=port, env=env, log_path=log_dir / f"{kind}-{port}.log", kind=kind)
    started.start()
    try:
        yield started
    finally:
        started.stop()


def daphne(env: dict[str, str | None], **options) -> contextlib.AbstractContextManager[Server]:  # noqa: ANN003
    """Daphne serving HTTP and sockets in one process (`make run` without its scheduler)."""
    return server("daphne", env, **options)


def make_run(env: dict[str, str | None], **options) -> contextlib.AbstractContextManager[Server]:  # noqa: ANN003
    """`make run`'s single process: Daphne serving HTTP and sockets, the scheduler beside."""
    return server("run", env, **options)


def spawn(command: list[str], *, env: dict[str, str], log: IO[bytes]) -> subprocess.Popen:
    """`command` in the repository, in its own process group, with `env` and the venv's
    scripts (gunicorn, uvicorn) first on PATH, as in an activated environment; output to
    `log`."""
    env = {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def stopped(process: subprocess.Popen) -> None:
    """`process` terminated, or killed if it has not exited 10 s later."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def clock(env: dict[str, str | None], *, log_dir: Path | None = None) -> Iterator[Path]:
    """The Procfile's `clock:` process (`run_scheduler`: reminders, alerts and their sweep),
    started and past its first alerts round; stopped on the way out. Yields its log's path."""
    log_path = (log_dir or Path(tempfile.gettempdir())) / f"clock-{free_port()}.log"
    with open(log_path, "ab") as log:
        process = spawn(
            ["/bin/sh", "-c", "exec " + procfile_command("clock")], env=server_env(env), log=log
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not re.search(
            r"scheduler: alerts (done|of this period)", log_path.read_text("utf-8")
        ):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"clock: did not start:\n{log_path.read_text()[-5000:]}")
            time.sleep(0.1)
        yield log_path
    finally:
        stopped(process)


@contextmanager
def site(
    env: dict[str, str | None],
    *,
    webs: int = 1,
    wss: int = 1,
    port: int | None = None,
    log_dir: Path | None = None,
) -> Iterator[Site]:
    """`webs` web: workers and `wss` ws: workers behind one proxy port (the first of each).

    The processes talk through Redis: without REDIS_URL in `env`, a private redis-server."""
    with contextlib.ExitStack() as stack:
        if not env.get("REDIS_URL"):
            env = {**env, "REDIS_URL": stack.enter_context(private_redis()).url}
        web_servers = [
            stack.enter_context(server("web", env, log_dir=log_dir)) for _ in range(webs)
        ]
        ws_servers = [stack.enter_context(server("ws", env, log_dir=log_dir)) for _ in range(wss)]
        proxy = PathProxy(web_servers[0].port, ws_servers[0].port, port).start()
        stack.callback(proxy.stop)
        yield Site(proxy=proxy, webs=web_servers, wss=ws_servers)


@dataclass
class Nginx(Listening):
    """A real nginx running the committed deploy/nginx.conf in front of a site's workers."""

    prefix: Path

    def log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace")[-5000:] if path.exists() else ""


@contextmanager
def nginx(
    web_port: int, ws_port: int, *, static_root: Path, prefix: Path, port: int | None = None
) -> Iterator[Nginx]:
    """deploy/nginx.conf, rendered by deploy/nginx.py as the login-flood bench renders it (the
    workers' ports, plain HTTP on `port`), run by nginx in the foreground with `prefix` as its
    folder; stopped on the way out. Skips (fails in CI) without nginx."""
    from deploy import nginx as deploy_nginx

    if deploy_nginx.binary() is None:
        service_missing("nginx (apt-get install nginx-light)")
    port = port or free_port()
    command = deploy_nginx.prepare(
        prefix, port=port, web_ports=[web_port], ws_ports=[ws_port], static_root=static_root
    )
    front = Nginx(port=port, prefix=prefix.resolve())
    with open(prefix / "stdout.log", "ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                raise AssertionError(f"nginx exited at start-up:\n{front.log()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"nginx did not listen within {START_TIMEOUT} s")
            time.sleep(0.1)
        yield front
    finally:
        stopped(process)


def _postgres_base() -> str | None:
    url = os.getenv("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@contextmanager
def temp_database(tmp_dir: Path) -> Iterator[str]:
    """A fresh, migrated database for server processes; dropped afterwards.

    On PostgreSQL when DATABASE_URL points at it (a database named after yours, with a random
    suffix), else a SQLite file in `tmp_dir`.
    """
    base = _postgres_base()
    if base is None:
        url = f"sqlite:///{tmp_dir / 'server.sqlite3'}"
        manage(url, "migrate", "--noinput")
        yield url
        return
    import psycopg

    head, _, name = base.rpartition("/")
    name = f"{name.split('?')[0]}_srv_{secrets.token_hex(4)}"
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{head}/{name}"
    try:
        manage(url, "migrate", "--noinput")
        yield url
    finally:
        with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated database that server processes started by the test can share."""
    with temp_database(tmp_path) as url:
        yield url


@pytest.fixture
def postgres_server_database(tmp_path: Path) -> Iterator[str]:
    """Like `server_database`, on PostgreSQL only (skip locally / fail in CI without it)."""
    if _postgres_base() is None:
        service_missing("PostgreSQL (set DATABASE_URL=postgres://…)")
    with temp_database(tmp_path) as url:
        yield url


@contextmanager
def private_redis(port: int | None = None) -> Iterator[PrivateRedis]:
    """A redis-server of our own (never the shared one), that a test may stop and restart."""
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server (apt-get install redis-server)")
    server = PrivateRedis(binary=binary, port=port or free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class PrivateRedis:
    binary: str
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
