"""The admin's account forms run the same password validators as `create_account`."""

from __future__ import annotations

import pytest

from accounts.models import User
from tests.helpers import session_client


@pytest.mark.django_db
def test_admin_refuses_a_weak_password_for_a_new_account(erin):
    client = session_client(erin)
    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "weak", "password1": "1", "password2": "1", "usable_password": "true"},
    )
    assert response.status_code == 200  # the form again, with its errors
    assert not User.objects.filter(username="weak").exists()
    assert "password2" in response.context["adminform"].form.errors


@pytest.mark.django_db
def test_admin_refuses_a_weak_password_change(erin, alice):
    client = session_client(erin)
    response = client.post(
        f"/admin/accounts/user/{alice.pk}/password/",
        {"password1": "1", "password2": "1", "usable_password": "true"},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("correct-horse-battery")
