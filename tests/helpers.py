"""One helper per kind of set-up, for the tests of every folder (README, *Tests*).

- A browser signed in: `session_client(user)` (a session, no password check), and in Chromium
  `logged_in_page(browser, base_url, user)`.
- A machine: `token_client(user)` (a new API key of the user's) or `token_client(key=...)`;
  the `api` fixture of tests/conftest.py is this function.
- The staff page's form for a unit: `report_form(unit, **fields)`.

Every helper is anonymous for `user=None`. Rows are made by tests/factories.py, reports by its
`report` (and `areport` in async tests), through the service that stores them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.services import token_create
from tests.factories import REPORT_FIGURES

if TYPE_CHECKING:
    from accounts.models import User
    from beds.models import Unit


# --- clients --------------------------------------------------------------------------------


def session_client(user: User | None) -> Client:
    """A browser's client: signed in with a session (no password check), anonymous for None.
    From an async test: `await database_sync_to_async(session_client)(user)`."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def token_client(user: User | None = None, *, key: str | None = None) -> APIClient:
    """A machine's client: `Authorization: Token …` with a new key of `user`'s, or with `key`
    (a printed, imported or made-up one); anonymous when given neither."""
    client = APIClient()
    if user is not None:
        key = token_create(user=user)
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def logged_in_page(browser, base_url: str, user, *, viewport=(1366, 768)):  # noqa: ANN001, ANN201
    """A Chromium page whose context carries `user`'s session cookie (a `live_server` test)."""
    client = session_client(user)
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="fr-FR"
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


# --- the staff page's form ------------------------------------------------------------------


def report_form(unit: Unit, **fields: object) -> dict[str, object]:
    """The POST body of the staff page's card for `unit` (`/beds/units/<id>/report/`):
    REPORT_FIGURES changed by `fields`, at the unit's current version unless `version=` says
    otherwise. Other fields (`note`, `confirm_jump`) are sent as given."""
    values = {**REPORT_FIGURES, **fields}
    data = {f"unit-{unit.pk}-{name}": value for name, value in values.items()}
    data[f"unit-{unit.pk}-version"] = values.pop("version", unit.version)
    return data
