"""One access matrix: every endpoint, page and socket × every kind of caller, read from the table
in docs/api.md ("Who may do what"), which is the documentation and the test at once.

World: hospital A (unit A) in région X (84), hospital B (unit B) in région Y (11). Callers:
anonymous; staff of A (alice); staff of B (bob); coordinator of X (carol); coordinator of Y (yves);
dispatcher of X (dave, reads the whole country); admin (erin). API rows use the caller's token,
page rows their session, socket rows their token on the handshake. A cell is the HTTP status
(`302` for anonymous means "to the login page"), or `open` / `refused` for a socket.

Adding an endpoint is one line in the table.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync

from accounts.models import Role
from beds.models import Unit
from tests.factories import UserFactory
from tests.helpers import report_form, session_client, socket, token_client

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
CALLERS = {
    "anonymous": None,
    "staff A": "alice",
    "staff B": "bob",
    "coordinator X": "carol",
    "coordinator Y": "yves",
    "dispatcher": "dave",
    "admin": "erin",
}
FIGURES = {"installed": 10, "available": 4, "occupied": 6, "reserved": 0, "closed": 0, "extra": 0}


def read_table() -> list[tuple[str, str, str]]:
    """(request, caller, expected) for every cell of the table under "Who may do what"."""
    text = DOC.read_text(encoding="utf-8").split("## Who may do what", 1)[1]
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start:]:  # the first table of the section, to its end
        if not line.startswith("|"):
            break
        rows.append(line)
    header = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert header[1:] == list(CALLERS), header
    cells = []
    for row in rows[2:]:
        values = [cell.strip() for cell in row.strip("|").split("|")]
        request = values[0].strip("`")
        cells.extend((request, caller, values[i + 1]) for i, caller in enumerate(CALLERS))
    return cells


def _marks(request: str) -> list[pytest.MarkDecorator]:
    # A socket's consumer reads the database from another thread: committed data only.
    if request.startswith("WS "):
        return [pytest.mark.django_db(transaction=True)]
    return [pytest.mark.django_db]


CELLS = [
    pytest.param(request, caller, expected, id=f"{request} × {caller}", marks=_marks(request))
    for request, caller, expected in read_table()
]


@pytest.fixture
def yves(region_idf):  # noqa: ANN001, ANN201
    return UserFactory(username="yves", role=Role.COORDINATOR, regions=[region_idf])


@pytest.fixture
def world(unit_lyon, unit_paris, alice) -> dict[str, str]:  # noqa: ANN001
    # alice (staff A) exists whoever calls: the lockouts page's POST row unlocks her account.
    return {"unit_A": str(unit_lyon.pk), "unit_B": str(unit_paris.pk), "X": "84", "Y": "11"}


def _path(template: str, world: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: world[m[1]], template)


def _http(method: str, path: str, user, *, api: bool) -> int:  # noqa: ANN001
    client = token_client(user) if api else session_client(user)
    body = None
    if method == "POST" and api:
        body = FIGURES
    elif method == "POST" and path == "/accounts/lockouts/":  # unlock staff A's account
        body = {"username": "alice"}
    elif method == "POST":  # the staff page's form for unit A
        unit = Unit.objects.get(pk=path.strip("/").split("/")[2])
        body = report_form(unit, **FIGURES, confirm_jump="on")
    elif method == "PATCH":
        body = {"tension_available_max": 1}
    response = getattr(client, method.lower())(path, body, **({"format": "json"} if api else {}))
    if user is None and response.status_code == 302:
        assert "/login/" in response["Location"], response["Location"]
    return response.status_code


def _socket(path: str, user) -> str:  # noqa: ANN001
    async def connect() -> bool:
        communicator = await socket(path, user)
        connected, _ = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return connected

    return "open" if async_to_sync(connect)() else "refused"


@pytest.mark.parametrize(("request_line", "caller", "expected"), CELLS)
def test_access(request, world, yves, request_line, caller, expected, monkeypatch):  # noqa: ANN001
    method, template = request_line.split(" ", 1)
    name = CALLERS[caller]
    user = request.getfixturevalue(name) if name else None
    path = _path(template, world)
    if method == "WS":
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        got = _socket(path, user)
    else:
        got = str(_http(method, path, user, api=path.startswith(("/api/", "/fhir/"))))
    assert got == expected, f"{request_line} as {caller}: {got}, the table says {expected}"
