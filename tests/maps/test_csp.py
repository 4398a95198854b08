"""Map pages pass a nonce-based Content Security Policy (H8's django-csp sets
`request.csp_nonce`): every inline script carries the nonce, no inline style, no `style=`."""

from __future__ import annotations

import re

import pytest

from tests.helpers import session_client

NONCE = "t3st-n0nce"


def nonce_middleware(get_response):  # noqa: ANN001, ANN201
    """What django-csp does for these pages: a nonce on the request."""

    def middleware(request):  # noqa: ANN001, ANN202
        request.csp_nonce = NONCE
        return get_response(request)

    return middleware


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/maps/",
        "/maps/regions/84/",
        "/regions/84/table/",
        "/dispatch/",
        "/dispatch/?place=45.75%2C+4.85&kind=REA&min_available=1&radius_km=50",
    ],
)
def test_map_pages_carry_the_nonce_on_every_inline_block_and_no_style_attribute(
    settings, dave, unit_lyon, path
):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.maps.test_csp.nonce_middleware"]
    client = session_client(dave)

    html = client.get(path).content.decode()

    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        if "application/json" in attributes or " src=" in attributes:
            continue  # data, never run; or a file of the app's own ('self')
        assert f'nonce="{NONCE}"' in attributes, attributes
    assert "<style" not in html
    assert not re.search(r"<[a-z][^>]*\sstyle=", html), re.findall(
        r"<[a-z][^>]*\sstyle=[^>]*>", html
    )
