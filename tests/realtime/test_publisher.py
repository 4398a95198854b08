"""Publishing never breaks a report: with Redis unreachable the report is stored, the failure
logged, and /healthz says the live path is degraded."""

from __future__ import annotations

import json
import logging

import pytest

from beds.models import CapacityReport
from realtime import publisher
from realtime.broker import broker
from tests.factories import REPORT_FIGURES

DEAD_REDIS = "redis://127.0.0.1:6390/0"  # nothing listens there


@pytest.fixture(autouse=True)
def clean_publisher():  # noqa: ANN201
    publisher.reset_for_tests()
    yield
    publisher.reset_for_tests()


def test_with_seq_gives_the_json_of_the_event_plus_its_seq():
    body = publisher.encode({"type": "units.changed", "units": [{"id": 1, "label": "Réa"}]})

    message = json.loads(publisher.with_seq(body, 42))

    assert message == {"type": "units.changed", "units": [{"id": 1, "label": "Réa"}], "seq": 42}


def test_local_publish_numbers_each_audience_from_one(settings):
    settings.REDIS_URL = ""
    publisher.publish(["region.84", "national"], {"type": "units.changed", "units": []})
    publisher.publish(["region.84"], {"type": "units.changed", "units": []})

    assert publisher.local_seq("region.84") == 2
    assert publisher.local_seq("national") == 1


def test_publish_to_unreachable_redis_returns_false_and_logs(settings, caplog):
    settings.REDIS_URL = DEAD_REDIS

    with caplog.at_level(logging.WARNING, logger="realtime.publisher"):
        sent = publisher.publish(["region.84"], {"type": "units.changed", "units": []})

    assert sent is False
    assert "realtime publish to ['region.84'] failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_report_is_stored_with_201_when_redis_is_unreachable(settings, api, alice, unit_lyon):
    settings.REDIS_URL = DEAD_REDIS

    response = api(alice).post(
        f"/api/v1/units/{unit_lyon.pk}/reports/",
        {**REPORT_FIGURES, "available": 1, "occupied": 9},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert CapacityReport.objects.filter(unit=unit_lyon, available=1).exists()


@pytest.mark.django_db
def test_healthz_says_degraded_with_200_when_redis_is_unreachable(settings, client):
    settings.REDIS_URL = DEAD_REDIS

    response = client.get("/healthz")  # from this host: the operator's monitoring

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["realtime"] == "degraded"
    assert body["status"] == "degraded"
    # Anyone else learns that much and no more (tests/test_healthz.py).
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.7").json() == {"status": "degraded"}


@pytest.mark.django_db
def test_healthz_says_local_without_redis(settings, client):
    settings.REDIS_URL = ""

    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "realtime": "local"}


@pytest.mark.django_db
def test_healthz_says_ok_when_redis_answers(redis_url, client):
    body = client.get("/healthz").json()
    assert body["realtime"] == "ok" and body["status"] == "ok"


def test_publish_each_numbers_each_audience_in_one_call(settings):
    settings.REDIS_URL = ""
    event = {"type": "units.changed", "units": []}

    assert publisher.publish_each([("region.84", event), ("national", event)])
    assert publisher.publish_each([("region.84", event)])

    assert publisher.local_seq("region.84") == 2
    assert publisher.local_seq("national") == 1


def test_publish_each_reaches_every_audience_with_one_redis_call(redis_url, settings):
    import redis

    settings.REDIS_URL = redis_url
    listener = redis.Redis.from_url(redis_url).pubsub()
    channels = [publisher.channel_of(a) for a in ("region.84", "national")]
    listener.subscribe(*channels)
    for _confirmation in channels:  # both subscriptions are in place before publishing
        assert listener.get_message(timeout=2)["type"] == "subscribe"
    client = broker().client()
    calls = []
    script = client._bedwatch_publish
    client._bedwatch_publish = lambda **kw: calls.append(kw) or script(**kw)
    seqs = {a: int(client.get(publisher.seq_key(a)) or 0) for a in ("region.84", "national")}

    sent = publisher.publish_each(
        [
            ("region.84", {"type": "units.changed", "units": [{"id": 1}]}),
            ("national", {"type": "units.changed", "units": [{"id": 1}, {"id": 2}]}),
        ]
    )

    assert sent and len(calls) == 1
    received = {}
    while len(received) < 2:
        message = listener.get_message(timeout=2)
        assert message is not None, received
        seq, _space, body = message["data"].decode().partition(" ")
        received[message["channel"].decode()] = (int(seq), json.loads(body)["units"])
    listener.close()
    assert received == {
        channels[0]: (seqs["region.84"] + 1, [{"id": 1}]),
        channels[1]: (seqs["national"] + 1, [{"id": 1}, {"id": 2}]),
    }
