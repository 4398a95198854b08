"""Running installations keep their machines: the migration hashes DRF's clear-text tokens into
`ApiToken`, drops the clear-text table, and the old keys work until they expire."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import ApiToken
from accounts.tokens import token_digest
from tests.factories import UserFactory
from tests.helpers import token_client

migration = importlib.import_module("accounts.migrations.0005_hash_drf_tokens")

BEFORE = [("accounts", "0004_api_token")]
AFTER = [("accounts", "0005_hash_drf_tokens")]
OLD_KEY = "0123456789abcdef0123456789abcdef01234567"


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.fixture
def installation_with_drf_tokens(transactional_db, settings):  # noqa: ANN001, ANN201
    """The database as a running installation has it: DRF's `authtoken_token` with a key made
    in 2000, before this migration."""
    settings.BEDWATCH_TOKEN_CACHE_SECONDS = 0
    migrate(BEFORE)
    legacy = migration.legacy_token_model()
    with connection.schema_editor() as editor:
        editor.create_model(legacy)
    user = UserFactory(username="hl7-gateway", role="dispatcher")
    legacy.objects.create(key=OLD_KEY, user_id=user.pk, created=datetime(2000, 1, 1, tzinfo=UTC))
    yield user
    if migration.LEGACY_TABLE in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.delete_model(legacy)
    migrate(AFTER)


def hospitals(key: str) -> int:
    return token_client(key=key).get("/api/v1/hospitals/").status_code


def test_old_tokens_are_hashed_and_the_clear_keys_dropped(installation_with_drf_tokens):
    migrate(AFTER)

    token = ApiToken.objects.get()
    assert token.user == installation_with_drf_tokens
    assert token.digest == token_digest(OLD_KEY)
    assert token.created == datetime(2000, 1, 1, tzinfo=UTC)
    assert migration.LEGACY_TABLE not in connection.introspection.table_names()


def test_old_tokens_keep_working_until_they_expire(installation_with_drf_tokens, settings):
    migrate(AFTER)

    token = ApiToken.objects.get()
    # Valid BEDWATCH_TOKEN_DAYS from the migration, not from 2000.
    left = token.expires - timezone.now()
    assert timedelta(days=89, hours=23) < left <= timedelta(days=90)
    assert hospitals(OLD_KEY) == 200
    ApiToken.objects.update(expires=timezone.now())
    assert hospitals(OLD_KEY) == 401


def test_an_installation_without_drf_tokens_migrates(transactional_db):
    migrate(BEFORE)
    assert migration.LEGACY_TABLE not in connection.introspection.table_names()
    migrate(AFTER)
    assert not ApiToken.objects.exists()
