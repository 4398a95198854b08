"""Shared fixtures: a small world of two régions and named people.

- Lyon (région 84) has `hospital_lyon` with `unit_lyon` (adult ICU); Paris (11) has
  `hospital_paris` with `unit_paris`.
- alice is staff at the Lyon hospital; bob is staff at the Paris one.
- carol coordinates région 84; dave is a dispatcher for 84 (reads everything, writes nothing);
  erin is an admin.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from accounts.models import Role
from regions.models import Department, Region
from tests.factories import HospitalFactory, UnitFactory, UserFactory
from tests.helpers import token_client

# Debian's Chromium, never a downloaded browser; the flags keep it off the (closed) network (as
# bench/browser.py launches it: tests do not import the benchmark).
CHROMIUM = os.getenv("BEDWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
]

# The fields of a unit that docs/api.md and docs/realtime.md promise, in the API and on the live feed alike.
UNIT_CONTRACT_FIELDS = frozenset(
    {
        "id",
        "kind",
        "label",
        "installed",
        "available",
        "occupied",
        "reserved",
        "closed",
        "extra",
        "version",
        "updated_at",
        "freshness",
    }
)

# The fields of a hospital in `GET /api/v1/hospitals/`, in the API's order (docs/api.md names the
# contract's ones; the address fields are ours). With `near`, `distance_km` follows.
HOSPITAL_API_FIELDS = (
    "finess",
    "name",
    "lat",
    "lon",
    "department",
    "region",
    "address",
    "postcode",
    "city",
    "phone",
    "units",
)

REQUIRE_SERVICES = os.getenv("BEDWATCH_REQUIRE_SERVICES") == "1"
# The public open data and standards live beside the repository (../shared), not in it.
SHARED_DIR = Path(
    os.getenv("BEDWATCH_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that ask for the `postgres` fixture are marked `postgres`, so that `make test`
    finds them for its PostgreSQL pass (with the `databases` tests)."""
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


def service_missing(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where every service must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):  # noqa: ANN001, ANN201
    """Every user a factory makes hashes a password: Django's production hasher (PBKDF2, a
    million rounds, ~0.7 s each on the CI machine) made user set-up the slowest part of the
    suite, and no test here is about hashing strength. Servers started by tests keep it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_api_throttles(settings):  # noqa: ANN001, ANN201
    """API throttles count in a cache that outlives a test (Redis in CI): off, so that one test's
    requests never throttle another's. tests/accounts/test_throttling.py turns them on."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": None, "address": None},
    }
    settings.BEDWATCH_BAD_TOKENS = (0, 60)


@pytest.fixture(autouse=True)
def responses_match_the_openapi_schema(monkeypatch):  # noqa: ANN001, ANN201
    """Every API response a test client receives is checked against the OpenAPI schema
    (tests/openapi.py): an undocumented status or a body unlike its schema fails the test."""
    from django.test.client import Client

    from tests.openapi import validate_response

    original = Client.request

    def request(self, **request):  # noqa: ANN001, ANN003, ANN202
        response = original(self, **request)
        validate_response(request["REQUEST_METHOD"], request["PATH_INFO"], response)
        return response

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(autouse=True)
def default_language():  # noqa: ANN201
    """Each test starts in the site's default language: a request handled by LocaleMiddleware
    leaves its language active in the thread."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def reference_data(request):  # noqa: ANN001, ANN201
    """Régions and départements come from a migration; transactional tests flush them, so
    put them back for every test that uses the database."""
    names = set(request.fixturenames)
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names:
        request.getfixturevalue("db")
    elif not request.node.get_closest_marker("django_db"):
        return
    from regions import data

    if Region.objects.count() < len(data.REGIONS) or Department.objects.count() < len(
        data.DEPARTMENTS
    ):
        data.load(Region, Department)


@pytest.fixture
def browser(monkeypatch):  # noqa: ANN001, ANN201
    """Chromium driven by Playwright; skips locally and fails in CI when it is missing."""
    if os.getenv("BEDWATCH_BROWSER_TESTS") == "0":
        pytest.skip("browser tests switched off (BEDWATCH_BROWSER_TESTS=0)")
    path = CHROMIUM
    if not Path(path).exists():
        service_missing(f"Chromium at {path}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield chromium
        # Playwright's sync API runs an event loop in this thread, so Django keeps the
        # connections the test opened meanwhile apart from the thread's own, out of reach of
        # pytest-django's closing once Playwright stops: left open, PostgreSQL refused to drop
        # the test database at the end of the run. Closed here, with that loop still running.
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        connections.close_all()
        chromium.close()


@pytest.fixture
def chromium(browser, monkeypatch) -> object:  # noqa: ANN001
    """`browser` for tests that also use the ORM while pages run (live_server tests)."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # plain synchronous code all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return browser


@pytest.fixture
def shared_dir() -> Path:
    """../shared: read-only open data; missing on some developer machines, never in CI."""
    if not SHARED_DIR.is_dir():
        service_missing(f"the shared data folder {SHARED_DIR}")
    return SHARED_DIR


@pytest.fixture
def postgres(transactional_db):  # noqa: ANN001, ANN201
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (set DATABASE_URL=postgres://…)")
    return connection


@pytest.fixture
def redis_url() -> str:
    url = settings.REDIS_URL
    if not url:
        service_missing("Redis (set REDIS_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} is not answering: {exc}")
    return url


@pytest.fixture
def region_ara(db) -> Region:  # noqa: ANN001
    return Region.objects.get(code="84")


@pytest.fixture
def region_idf(db) -> Region:  # noqa: ANN001
    return Region.objects.get(code="11")


@pytest.fixture
def hospital_lyon(db):  # noqa: ANN001, ANN201
    return HospitalFactory(
        finess="690783154",
        name="Hôpital Édouard Herriot",
        lat=45.7434,
        lon=4.87997,
        department=Department.objects.get(code="69"),
    )


@pytest.fixture
def hospital_paris(db):  # noqa: ANN001, ANN201
    return HospitalFactory(
        finess="750100125",
        name="Pitié-Salpêtrière",
        lat=48.84024,
        lon=2.3631,
        department=Department.objects.get(code="75"),
    )


@pytest.fixture
def unit_lyon(hospital_lyon):  # noqa: ANN001, ANN201
    return UnitFactory(hospital=hospital_lyon, label="Réanimation médicale")


@pytest.fixture
def unit_paris(hospital_paris):  # noqa: ANN001, ANN201
    return UnitFactory(hospital=hospital_paris, label="Réanimation")


@pytest.fixture
def alice(hospital_lyon):  # noqa: ANN001, ANN201
    return UserFactory(username="alice", role=Role.STAFF, hospitals=[hospital_lyon])


@pytest.fixture
def bob(hospital_paris):  # noqa: ANN001, ANN201
    return UserFactory(username="bob", role=Role.STAFF, hospitals=[hospital_paris])


@pytest.fixture
def carol(region_ara):  # noqa: ANN001, ANN201
    return UserFactory(username="carol", role=Role.COORDINATOR, regions=[region_ara])


@pytest.fixture
def dave(region_ara):  # noqa: ANN001, ANN201
    return UserFactory(username="dave", role=Role.DISPATCHER, regions=[region_ara])


@pytest.fixture
def erin(db):  # noqa: ANN001, ANN201
    return UserFactory(username="erin", role=Role.ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def api():  # noqa: ANN201
    """`api(user)`: an API client authenticated by a new token of the user's, `api(key=...)` by
    that key, anonymous for None (tests/helpers.py `token_client`)."""
    return token_client
