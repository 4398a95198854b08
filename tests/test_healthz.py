"""/healthz answers every caller with states only; why Redis failed (its address in the error)
is for a signed-in admin."""

from __future__ import annotations

import pytest

from tests.helpers import session_client

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://10.20.30.40:6390/0"  # an internal address nobody outside should learn


def test_anonymous_callers_get_states_and_no_redis_address(settings, client):
    settings.REDIS_URL = DEAD_REDIS
    body = client.get("/healthz").json()
    assert body == {"status": "degraded", "database": "ok", "realtime": "degraded"}
    assert "10.20.30.40" not in client.get("/healthz").content.decode()


def test_healthz_tells_why_redis_failed_to_an_admin_only(settings, erin, alice):
    settings.REDIS_URL = DEAD_REDIS
    client = session_client(alice)
    assert "realtime_error" not in client.get("/healthz").json()
    client = session_client(erin)
    assert "realtime_error" in client.get("/healthz").json()
