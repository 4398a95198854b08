"""Live-feed sockets follow their token: rotating or revoking it closes the sockets opened with
it (4401); an expired token opens none. Through the real ASGI stack, as tests/realtime does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import token_create, token_revoke, token_rotate
from realtime import hub
from tests.helpers import ORIGIN, opened, socket
from tests.realtime.conftest import fresh_hub  # noqa: F401 (fixture)
from tests.realtime.test_access_revoked import closed_with, still_live

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_hub"),
]


async def test_rotating_a_token_closes_the_sockets_opened_with_it(alice, carol, unit_lyon):
    by_token = await opened("/ws/regions/84/", carol)
    by_cookie = await opened("/ws/regions/84/", carol, auth="cookie", origin=ORIGIN)

    await database_sync_to_async(token_rotate)(user=carol)

    assert await closed_with(by_token) == 4401
    await still_live(by_cookie, unit_lyon, alice, available=1)
    await by_token.disconnect()
    await by_cookie.disconnect()


async def test_revoking_a_token_closes_the_sockets_opened_with_it(carol):
    by_token = await opened("/ws/regions/84/", carol)

    await database_sync_to_async(token_revoke)(user=carol)

    assert await closed_with(by_token) == 4401
    await by_token.disconnect()


async def test_an_expired_token_opens_no_socket(carol):
    key = await database_sync_to_async(token_create)(user=carol)
    await ApiToken.objects.filter(user=carol).aupdate(expires=timezone.now() - timedelta(minutes=1))
    ws = await socket("/ws/regions/84/", key=key)
    connected, _ = await ws.connect()
    assert not connected
    await ws.disconnect()


async def test_a_socket_whose_token_expired_is_closed_at_the_next_recheck(carol):
    by_token = await opened("/ws/regions/84/", carol)
    await ApiToken.objects.filter(user=carol).aupdate(expires=timezone.now())

    hub.get_hub().recheck_all()  # every BEDWATCH_ACCESS_RECHECK_SECONDS

    assert await closed_with(by_token) == 4401
    await by_token.disconnect()
