"""deploy/nginx.conf made runnable on this machine, for the tests (tests/test_nginx.py) and the
login-flood bench (`python -m bench loginflood`): the committed file with the local ports and
plain HTTP in place of TLS, inside a whole nginx.conf that runs as `nginx -p DIR` with no root
and nothing outside DIR. Every limit, route and header is the committed file's own, so what
they measure and test is what ships; the renderer refuses a file it no longer recognises.

    command = nginx.prepare(tmp_dir, port=8080, web_ports=[8001], ws_ports=[8101],
                            static_root=Path("staticfiles"))
    subprocess.Popen(command)   # nginx in the foreground, stopped by SIGTERM
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

CONF = Path(__file__).with_name("nginx.conf")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def binary() -> str | None:
    """The nginx executable (Debian's is in /usr/sbin, which a user's PATH may lack)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render(
    *,
    port: int,
    web_ports: Iterable[int],
    ws_ports: Iterable[int],
    static_root: Path,
    source: str | None = None,
) -> str:
    """deploy/nginx.conf (or `source`) for a local run: the `bedwatch_web` and `bedwatch_ws`
    upstreams on `web_ports` and `ws_ports` of 127.0.0.1, the TLS server listening on
    127.0.0.1:`port` over plain HTTP (its certificate lines dropped), `/static/` from
    `static_root`, and the port-80 redirect left out. Raises ValueError if any of them is
    missing from the file."""
    text = CONF.read_text(encoding="utf-8") if source is None else source
    replacements = {
        "web": [f"server 127.0.0.1:{p};" for p in web_ports],
        "ws": [f"server 127.0.0.1:{p};" for p in ws_ports],
    }
    done: set[str] = set()
    out: list[str] = []
    for block in _top_level_blocks(text):
        head = block[0].strip()
        upstream = re.fullmatch(r"upstream bedwatch_(web|ws) \{", head)
        if upstream:
            out += _upstream(block, replacements[upstream[1]])
            done.add(f"upstream {upstream[1]}")
        elif head == "server {" and any(line.strip() == "listen 80;" for line in block):
            done.add("redirect")  # TLS is the production proxy's job, not a local run's
        elif head == "server {":
            out += _plain_server(block, port=port, static_root=static_root, done=done)
        else:
            out += block
    missing = {"upstream web", "upstream ws", "listen 443", "alias", "redirect"} - done
    if missing:
        raise ValueError(
            f"{CONF.name} no longer has the parts the local renderer replaces: "
            f"{', '.join(sorted(missing))} (deploy/nginx.py expects them)"
        )
    return "\n".join(out) + "\n"


def _top_level_blocks(text: str) -> list[list[str]]:
    """The file's lines grouped by top-level statement (a block with all its lines)."""
    blocks: list[list[str]] = []
    depth = 0
    for line in text.splitlines():
        if depth == 0:
            blocks.append([])
        blocks[-1].append(line)
        code = line.split("#", 1)[0]
        depth += code.count("{") - code.count("}")
    return blocks


def _upstream(block: list[str], servers: list[str]) -> list[str]:
    kept = [line for line in block if not line.strip().startswith("server ")]
    indent = "    "
    return [kept[0], *(indent + s for s in servers), *kept[1:]]


def _plain_server(block: list[str], *, port: int, static_root: Path, done: set[str]) -> list[str]:
    out = []
    for line in block:
        stripped = line.strip()
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith("listen 443 ssl"):
            out.append(f"{indent}listen 127.0.0.1:{port};")
            done.add("listen 443")
        elif stripped.startswith("ssl_"):
            continue
        elif stripped.startswith("alias "):
            out.append(f"{indent}alias {Path(static_root).resolve()}/;")
            done.add("alias")
        else:
            out.append(line)
    return out


def whole_conf(http: str, prefix: Path) -> str:
    """A complete nginx.conf around the http-context `http`, everything kept under `prefix`."""
    # A master started by root hands its workers to `nobody`, who could not read `prefix`.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {name}_temp_path {prefix / 'temp' / name};\n" for name in TEMP_DIRS)
    body = "".join(f"    {line}\n" if line else "\n" for line in http.splitlines())
    return (
        "# Rendered by deploy/nginx.py from deploy/nginx.conf for a local run.\n"
        f"{user}"
        "worker_processes 1;\n"
        f"pid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\n"
        "events {\n    worker_connections 4096;\n}\n"
        "http {\n"
        "    access_log off;\n"
        "    default_type application/octet-stream;\n"
        f"{temp}\n{body}}}\n"
    )


def prepare(
    prefix: Path,
    *,
    port: int,
    web_ports: Iterable[int],
    ws_ports: Iterable[int],
    static_root: Path,
) -> list[str]:
    """Write the rendered configuration into `prefix` and check it with `nginx -t`; the command
    that runs it in the foreground. Raises RuntimeError without nginx or with nginx's complaint."""
    nginx = binary()
    if nginx is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
    prefix = Path(prefix).resolve()
    for name in TEMP_DIRS:
        (prefix / "temp" / name).mkdir(parents=True, exist_ok=True)
    http = render(port=port, web_ports=web_ports, ws_ports=ws_ports, static_root=static_root)
    conf = prefix / "nginx.conf"
    conf.write_text(whole_conf(http, prefix), encoding="utf-8")
    command = [nginx, "-p", f"{prefix}/", "-e", str(prefix / "error.log"), "-c", str(conf)]
    check = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused {conf}:\n{check.stderr.strip()}")
    return [*command, "-g", "daemon off;"]
