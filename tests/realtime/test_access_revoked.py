"""Open sockets follow their user's access (docs/realtime.md): logging out closes that session's
sockets, deactivation every socket of the user (4401), a role or scope taken away the sockets
it no longer allows (4403), a deleted token the sockets opened with it (4401). Other sockets go
on receiving.

Runs on the in-memory path without REDIS_URL and on Redis pub/sub with it (CI).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Role, User
from realtime import hub, publisher
from regions.models import Region
from tests.factories import areport
from tests.helpers import ORIGIN, opened, receive, session_client

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fresh_hub"),
]


async def closed_with(ws) -> int:  # noqa: ANN001
    """The code of the close the server sent (after any message still on its way)."""
    while True:
        output = await ws.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return output["code"]


async def still_live(ws, unit, user, available: int) -> None:  # noqa: ANN001
    """The socket gets the next change: it was not closed by what happened before."""
    await areport(unit, user, available=available, occupied=10 - available)
    message = await receive(ws)
    assert message["type"] == "units.changed"
    assert message["units"][0]["available"] == available


async def test_logout_closes_the_sockets_of_that_session_only(alice, carol, unit_lyon):
    office = await database_sync_to_async(session_client)(carol)
    home = await database_sync_to_async(session_client)(carol)
    at_office = await opened("/ws/regions/84/", office, origin=ORIGIN)
    at_home = await opened("/ws/regions/84/", home, origin=ORIGIN)

    # Carol logs out at the office (the site's logout form).
    response = await database_sync_to_async(office.post)("/accounts/logout/")
    assert response.status_code == 302

    assert await closed_with(at_office) == 4401
    await still_live(at_home, unit_lyon, alice, available=1)
    await at_office.disconnect()
    await at_home.disconnect()


async def test_deactivation_closes_every_socket_of_the_user(alice, carol, dave, unit_lyon):
    by_token = await opened("/ws/regions/84/", carol)
    by_cookie = await opened("/ws/regions/84/", carol, auth="cookie", origin=ORIGIN)
    other = await opened("/ws/regions/84/", dave)

    carol.is_active = False
    await carol.asave()

    assert await closed_with(by_token) == 4401
    assert await closed_with(by_cookie) == 4401
    await still_live(other, unit_lyon, alice, available=1)
    for ws in (by_token, by_cookie, other):
        await ws.disconnect()


async def test_region_taken_away_closes_that_regions_socket_with_4403(alice, carol, unit_lyon):
    paris = await Region.objects.aget(pk="11")
    await database_sync_to_async(carol.regions.add)(paris)
    lyon_feed = await opened("/ws/regions/84/", carol)
    paris_feed = await opened("/ws/regions/11/", carol)

    await database_sync_to_async(carol.regions.remove)(paris)

    assert await closed_with(paris_feed) == 4403
    # Carol still coordinates 84: that socket stays.
    await still_live(lyon_feed, unit_lyon, alice, available=1)
    await lyon_feed.disconnect()
    await paris_feed.disconnect()


async def test_staff_removed_from_their_hospital_lose_its_region_feed(alice, hospital_lyon):
    feed = await opened("/ws/regions/84/", alice)

    # From the hospital's side of the relation, as the admin's hospital page would.
    await database_sync_to_async(hospital_lyon.staff.remove)(alice)

    assert await closed_with(feed) == 4403
    await feed.disconnect()


async def test_dispatcher_made_coordinator_loses_the_national_feed(alice, dave, unit_lyon):
    national = await opened("/ws/national/", dave)
    regional = await opened("/ws/regions/84/", dave)

    dave.role = Role.COORDINATOR
    await dave.asave()

    assert await closed_with(national) == 4403
    await still_live(regional, unit_lyon, alice, available=1)  # dave still coordinates 84
    await national.disconnect()
    await regional.disconnect()


async def test_deleted_token_closes_the_sockets_opened_with_it(alice, carol, unit_lyon):
    by_token = await opened("/ws/regions/84/", carol)
    by_cookie = await opened("/ws/regions/84/", carol, auth="cookie", origin=ORIGIN)

    await ApiToken.objects.filter(user=carol).adelete()

    assert await closed_with(by_token) == 4401
    await still_live(by_cookie, unit_lyon, alice, available=1)
    await by_token.disconnect()
    await by_cookie.disconnect()


async def test_token_deletion_rolled_back_closes_nothing(alice, carol, unit_lyon):
    feed = await opened("/ws/regions/84/", carol)

    await _delete_tokens_then_roll_back(carol)

    await still_live(feed, unit_lyon, alice, available=1)
    await feed.disconnect()


@database_sync_to_async
def _delete_tokens_then_roll_back(user) -> None:  # noqa: ANN001
    with pytest.raises(RuntimeError), transaction.atomic():
        ApiToken.objects.filter(user=user).delete()
        raise RuntimeError("rolled back")


# When an access message is lost (published while a worker's Redis subscription was down), the
# hub rechecks every socket once it is subscribed again (`Hub.recheck_all`). The recheck judges
# from the database alone, so it finds out what the lost message would have said.


@pytest.fixture
def lost_access_messages(monkeypatch):  # noqa: ANN001, ANN201
    """Access changes publish nothing: every message is lost on its way."""
    monkeypatch.setattr(publisher, "_publish_access", lambda message: None)


async def recheck_closes_only(closed, *, keeps, unit, reporter) -> None:  # noqa: ANN001
    """The hub judges every socket again, as when its subscription is back: `closed` is closed
    with 4401, `keeps` still gets the next change."""
    hub.get_hub().recheck_all()

    assert await closed_with(closed) == 4401
    await still_live(keeps, unit, reporter, available=3)
    await closed.disconnect()
    await keeps.disconnect()


@pytest.mark.usefixtures("lost_access_messages")
async def test_recheck_after_a_lost_message_closes_the_deleted_tokens_sockets(
    alice, carol, unit_lyon
):
    by_token = await opened("/ws/regions/84/", carol)
    by_cookie = await opened("/ws/regions/84/", carol, auth="cookie", origin=ORIGIN)
    await ApiToken.objects.filter(user=carol).adelete()
    await still_live(by_token, unit_lyon, alice, available=1)  # the message was lost
    assert (await receive(by_cookie))["units"][0]["available"] == 1

    await recheck_closes_only(by_token, keeps=by_cookie, unit=unit_lyon, reporter=alice)


@pytest.mark.usefixtures("lost_access_messages")
async def test_recheck_after_a_lost_message_closes_the_sockets_of_an_ended_session(
    alice, carol, unit_lyon
):
    office = await database_sync_to_async(session_client)(carol)
    at_office = await opened("/ws/regions/84/", office, origin=ORIGIN)
    by_token = await opened("/ws/regions/84/", carol)
    # The session ends without a logout: expired and cleared, or deleted by an operator.
    await Session.objects.filter(session_key=office.session.session_key).adelete()

    await recheck_closes_only(at_office, keeps=by_token, unit=unit_lyon, reporter=alice)


@pytest.mark.usefixtures("lost_access_messages")
async def test_recheck_after_a_lost_message_closes_sessions_a_password_change_ended(
    alice, carol, unit_lyon
):
    at_home = await opened("/ws/regions/84/", carol, auth="cookie", origin=ORIGIN)
    carol.set_password("a new secret for carol")
    await carol.asave()

    hub.get_hub().recheck_all()

    # Django ends every session of a user whose password changed (the session's hash no longer
    # matches); the token, a credential of its own, still holds.
    assert await closed_with(at_home) == 4401
    by_token = await opened("/ws/regions/84/", carol)
    await still_live(by_token, unit_lyon, alice, available=1)
    await at_home.disconnect()
    await by_token.disconnect()


@pytest.mark.usefixtures("lost_access_messages")
async def test_recheck_keeps_the_sockets_whose_access_holds(alice, carol, dave, unit_lyon):
    by_token = await opened("/ws/regions/84/", carol)
    by_cookie = await opened("/ws/regions/84/", carol, auth="cookie", origin=ORIGIN)
    national = await opened("/ws/national/", dave)

    hub.get_hub().recheck_all()

    for ws in (by_token, by_cookie, national):
        await still_live(ws, unit_lyon, alice, available=1)
        await ws.disconnect()


async def test_access_changed_without_a_signal_closes_the_socket_at_the_next_sweep(
    alice, carol, dave, unit_lyon, settings
):
    settings.BEDWATCH_ACCESS_RECHECK_SECONDS = 0.2
    feed = await opened("/ws/regions/84/", carol)
    other = await opened("/ws/regions/84/", dave)

    # QuerySet.update saves no model: no signal, so no access message at all.
    await User.objects.filter(pk=carol.pk).aupdate(is_active=False)

    assert await closed_with(feed) == 4401
    await still_live(other, unit_lyon, alice, available=1)
    await feed.disconnect()
    await other.disconnect()


async def test_an_expired_sessions_socket_closes_at_the_next_sweep(alice, carol, settings):
    settings.BEDWATCH_ACCESS_RECHECK_SECONDS = 0.2
    browser = await database_sync_to_async(session_client)(carol)
    feed = await opened("/ws/regions/84/", browser, origin=ORIGIN)

    await Session.objects.filter(session_key=browser.session.session_key).aupdate(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert await closed_with(feed) == 4401
    await feed.disconnect()
