"""`/accounts/lockouts/`: a coordinator lifts the login lockout of an account of their région;
an admin lifts any, addresses included. alice is staff in Lyon (région 84, carol's), bob in
Paris (11); erin is an admin."""

from __future__ import annotations

import pytest

from tests.accounts.test_login_throttling import RIGHT, attempt
from tests.helpers import session_client

pytestmark = pytest.mark.django_db

PAGE = "/accounts/lockouts/"


def lock(client, username: str, address: str = "10.0.0.1") -> None:  # noqa: ANN001
    for _ in range(20):
        attempt(client, "/accounts/login/", username, "wrong", address)
    assert attempt(client, "/accounts/login/", username, RIGHT, address).status_code == 429


def test_a_coordinator_unlocks_staff_of_their_region(client, alice, carol):
    lock(client, "alice")
    client.force_login(carol)

    page = client.get(PAGE)
    assert page.status_code == 200 and "alice" in page.content.decode()
    response = client.post(PAGE, {"username": "alice"})

    assert response.status_code == 302
    client.logout()
    assert attempt(client, "/accounts/login/", "alice", RIGHT).status_code == 302


def test_a_coordinator_neither_sees_nor_unlocks_another_regions_account(client, bob, carol):
    lock(client, "bob", address="10.0.0.2")
    client.force_login(carol)

    assert "bob" not in client.get(PAGE).content.decode()
    assert client.post(PAGE, {"username": "bob"}).status_code == 403
    client.logout()
    assert attempt(client, "/accounts/login/", "bob", RIGHT, "10.0.0.3").status_code == 429


def test_a_coordinator_cannot_unlock_an_admin(client, carol, erin):
    lock(client, "erin")
    client.force_login(carol)
    assert client.post(PAGE, {"username": "erin"}).status_code == 403


def test_an_admin_unlocks_an_address(client, alice, erin):
    for i in range(20):
        attempt(client, "/accounts/login/", f"guess{i}", "wrong", address="10.0.0.66")
    client.force_login(erin)
    assert "10.0.0.66" in client.get(PAGE).content.decode()

    assert client.post(PAGE, {"address": "10.0.0.66"}).status_code == 302

    client.logout()
    assert attempt(client, "/accounts/login/", "alice", RIGHT, "10.0.0.66").status_code == 302


def test_a_coordinator_cannot_unlock_an_address(alice, carol):
    client = session_client(carol)
    assert client.post(PAGE, {"address": "10.0.0.66"}).status_code == 403


@pytest.mark.parametrize("user", ["alice", "dave"])
def test_staff_and_dispatchers_may_not_open_the_page(request, user):
    client = session_client(request.getfixturevalue(user))
    assert client.get(PAGE).status_code == 403


def test_the_page_needs_a_login(client, db):
    assert client.get(PAGE).status_code == 302


@pytest.mark.parametrize("data", [{}, {"username": "alice", "address": "10.0.0.1"}])
def test_unlock_needs_exactly_one_of_username_or_address(erin, data):
    client = session_client(erin)
    assert client.post(PAGE, data).status_code == 400


def test_a_bad_address_is_refused(erin):
    client = session_client(erin)
    assert client.post(PAGE, {"address": "not-an-ip"}).status_code == 400


@pytest.mark.parametrize(
    ("who", "page", "linked"),
    [
        ("carol", "/maps/regions/84/", True),  # coordinator
        ("erin", "/maps/", True),  # admin, on the site
        ("erin", "/admin/", True),  # admin, in Django's admin
        ("alice", "/beds/", False),  # staff
        ("dave", "/maps/", False),  # dispatcher
    ],
)
def test_the_navigation_links_the_lockouts_page_for_those_who_may_lift_them(
    client, request, who, page, linked
):
    client.force_login(request.getfixturevalue(who))

    response = client.get(page)

    html = response.content.decode()
    assert response.status_code == 200
    assert (f'<a href="{PAGE}">Connexions bloquées</a>' in html) is linked
