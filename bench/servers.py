"""Server processes of a run: the app's workers (from the Procfile or a preset), the bare
reference, and their CPU and memory read from /proc."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.data import repo_dir

APP = "config.asgi:application"
# Alternatives to the Procfile's two process kinds: one ASGI process serving HTTP and sockets
# (`make run`'s layout), to compare servers on the same run (`--server`).
PRESETS = {
    "daphne": f"daphne -b 127.0.0.1 -p $PORT -v 0 {APP}",
    "uvicorn": f"uvicorn {APP} --host 127.0.0.1 --port $PORT --ws websockets --loop asyncio"
    " --http h11"
    " --ws-per-message-deflate false --lifespan off --no-access-log --log-level warning",
    "uvicorn-sansio": f"uvicorn {APP} --host 127.0.0.1 --port $PORT --ws websockets-sansio"
    " --loop asyncio --http h11"
    " --ws-per-message-deflate false --lifespan off --no-access-log --log-level warning",
    "uvicorn-sansio-httptools": f"uvicorn {APP} --host 127.0.0.1 --port $PORT"
    " --ws websockets-sansio --loop asyncio --http httptools"
    " --ws-per-message-deflate false --lifespan off --no-access-log --log-level warning",
    "uvicorn-sansio-uvloop": f"uvicorn {APP} --host 127.0.0.1 --port $PORT"
    " --ws websockets-sansio --loop uvloop --http httptools"
    " --ws-per-message-deflate false --lifespan off --no-access-log --log-level warning",
    "uvicorn-wsproto": f"uvicorn {APP} --host 127.0.0.1 --port $PORT --ws wsproto"
    " --lifespan off --no-access-log --log-level warning",
}


def procfile_line(kind: str, path: Path | None = None) -> str:
    """The command of the Procfile's `kind:` line (`web`, `ws`)."""
    path = path or repo_dir() / "Procfile"
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if sep and name.strip() == kind:
            return command.strip()
    raise ValueError(f"{path} has no `{kind}:` line")


def server_command(server: str) -> str:
    """The socket workers' command: the Procfile's `ws:` line, or a one-process preset."""
    if server == "procfile":
        return procfile_line("ws")
    if server in PRESETS:
        return PRESETS[server]
    raise ValueError(f"unknown server {server!r}: use procfile or one of {', '.join(PRESETS)}")


@dataclass
class Proc:
    name: str
    port: int
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid


@dataclass
class Group:
    """Processes started together and stopped together (each in its own process group).

    `socket_ports` take the sockets and `http_ports` the reports and searches: the `ws:` and
    `web:` processes of the Procfile, or the same ports for a one-process preset."""

    procs: list[Proc] = field(default_factory=list)
    socket_ports: list[int] = field(default_factory=list)
    http_ports: list[int] = field(default_factory=list)

    def add(self, other: Group) -> None:
        self.procs += other.procs

    def stop(self) -> None:
        for proc in self.procs:
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs:
            try:
                proc.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()

    def pids(self) -> list[int]:
        """Every process of the groups (a server may fork workers or helpers)."""
        return [pid for proc in self.procs for pid in process_tree(proc.pid)]

    def socket_pids(self) -> list[int]:
        """The processes holding the sockets (memory per socket is measured on them alone)."""
        return [
            pid
            for proc in self.procs
            if proc.port in self.socket_ports
            for pid in process_tree(proc.pid)
        ]

    def http_only_pids(self) -> list[int]:
        """The processes serving HTTP and no socket (the `web:` process and its workers, read
        again at each call: gunicorn replaces a worker after --max-requests); none for a
        one-process preset."""
        return [
            pid
            for proc in self.procs
            if proc.port and proc.port not in self.socket_ports  # (the clock: has no port)
            for pid in process_tree(proc.pid)
        ]


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            pids += process_tree(int(child))
    return pids


def start(
    *, name: str, command: str, ports: list[int], env: dict[str, str], log_dir: Path
) -> Group:
    """Start one process per port running `command` with $PORT set (`_spawn`)."""
    group = Group()
    for i, port in enumerate(ports):
        log = log_dir / f"{name}-{i}.log"
        popen = _spawn(command, env={**env, "PORT": str(port)}, log=log)
        group.procs.append(Proc(name=f"{name}-{i}", port=port, popen=popen, log=log))
    group.socket_ports = group.http_ports = list(ports)
    try:
        for proc in group.procs:
            wait_port(proc)
    except BaseException:
        group.stop()
        raise
    return group


def _spawn(command: str, *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`command` through the shell as a Procfile runner would, in its own process group, with
    `env` over this one's and the venv's scripts first on PATH; its output to `log`."""
    bin_dir = str(Path(sys.executable).parent)
    return subprocess.Popen(
        ["bash", "-c", f"exec {command}"],
        cwd=repo_dir(),
        env={**os.environ, **env, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_clock(*, env: dict[str, str], log_dir: Path, timeout: float = 60.0) -> Group:
    """The Procfile's `clock:` process (`run_scheduler`: the alerts' sweep judges the régions
    that received reports), started as `start` starts the others; no port, so it counts as
    started once it says so."""
    log = log_dir / "clock-0.log"
    popen = _spawn(procfile_line("clock"), env=env, log=log)
    group = Group(procs=[Proc(name="clock-0", port=0, popen=popen, log=log)])
    deadline = time.monotonic() + timeout
    while "Scheduler running" not in log.read_text(errors="replace"):
        if popen.poll() is not None or time.monotonic() > deadline:
            group.stop()
            raise RuntimeError(f"clock: did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    return group


def start_nginx(*, port: int, web_ports: list[int], ws_ports: list[int], log_dir: Path) -> Group:
    """nginx in front of the app on `port`, with the committed deploy/nginx.conf rendered by
    deploy/nginx.py (the tests run the same rendering): its own prefix folder under `log_dir`."""
    from deploy import nginx

    prefix = Path(tempfile.mkdtemp(prefix="nginx-", dir=log_dir))
    command = nginx.prepare(
        prefix,
        port=port,
        web_ports=web_ports,
        ws_ports=ws_ports,
        static_root=repo_dir() / "staticfiles",  # where the bench's collectstatic puts them
    )
    return start(name="nginx", command=shlex.join(command), ports=[port], env={}, log_dir=log_dir)


def wait_port(proc: Proc, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            tail = proc.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{tail}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", proc.port), 1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{proc.name} did not listen on port {proc.port} within {timeout} s")


def ensure_free(ports: list[int]) -> None:
    for port in ports:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                raise RuntimeError(f"port {port} is in use: pick another --port-base") from None


def profile(group: Group, *, seconds: float, out_dir: Path) -> list[subprocess.Popen]:
    """py-spy (when installed) on each worker for `seconds`: collapsed stacks in `out_dir`."""
    spy = Path(sys.executable).parent / "py-spy"
    if not spy.exists():
        print("py-spy is not installed: pip install py-spy (no profile taken)")
        return []
    return [
        subprocess.Popen(
            [
                str(spy),
                "record",
                "-p",
                str(proc.pid),
                "-d",
                str(int(seconds)),
                "-r",
                "200",
                "-f",
                "raw",
                "-o",
                str(out_dir / f"{proc.name}.pyspy.txt"),
                "--nonblocking",
                "--subprocesses",  # gunicorn: the workers are the master's children
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for proc in group.procs
    ]


def top_frames(path: Path, *, limit: int = 25) -> list[tuple[float, str]]:
    """From py-spy's collapsed stacks: the share of samples each function appears in."""
    counts: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        total += int(n)
        for frame in set(stack.split(";")):
            counts[frame] = counts.get(frame, 0) + int(n)
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)[:limit]
    return [(100 * n / max(1, total), frame) for frame, n in ranked]


# -- /proc --------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far, with that of their children that have
    exited and been waited for (a gunicorn worker recycled by --max-requests: its time moves to
    the master's cutime and cstime)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    return total / CLOCK_TICKS


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    return total


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class Meter:
    """CPU (% of one core) and memory of a set of processes over a window.

    `pids` is a list, or a function giving the processes of the moment (`Group.pids`): a
    server that replaces its workers (gunicorn's --max-requests) is then measured whole, the
    new workers read when the window closes and the exited ones through their parent's count
    of its children. A fixed list lost an exited worker's time, which made the CPU negative."""

    def __init__(self, pids: list[int] | Callable[[], list[int]]) -> None:
        self.pids: Callable[[], list[int]] = pids if callable(pids) else lambda: list(pids)
        self.t0 = time.monotonic()
        self.cpu0 = cpu_seconds(self.pids())
        self.peak_rss = rss_bytes(self.pids())

    def sample(self) -> int:
        rss = rss_bytes(self.pids())
        self.peak_rss = max(self.peak_rss, rss)
        return rss

    def result(self) -> dict[str, float]:
        elapsed = time.monotonic() - self.t0
        rss = self.sample()
        cpu = cpu_seconds(self.pids()) - self.cpu0
        return {
            "cpu_pct": 100 * cpu / elapsed if elapsed else 0.0,
            "cpu_seconds": cpu,
            "rss": rss,
            "peak_rss": self.peak_rss,
        }
