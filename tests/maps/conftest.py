"""Pages of the map tests in Chromium (the `chromium` fixture is in tests/conftest.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client


def logged_in_page(browser, base_url: str, user, *, viewport=(1366, 768)):  # noqa: ANN001, ANN201
    """A page whose context carries `user`'s session cookie."""
    client = Client()
    client.force_login(user)
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


def host_of(url: str) -> str:
    return urlsplit(url).netloc
