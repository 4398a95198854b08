"""Pages of the map tests in Chromium (the `chromium` fixture is in tests/conftest.py, a signed-in
page is tests/helpers.py's `logged_in_page`)."""

from __future__ import annotations

from urllib.parse import urlsplit


def host_of(url: str) -> str:
    return urlsplit(url).netloc
