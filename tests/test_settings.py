"""Settings come from the environment; bad values stop the start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_settings(expression: str, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter with only `env` set, and print `expression`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "BEDWATCH_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print({expression})"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return run_settings(
        "settings.DATABASES['default']['ENGINE'], settings.CHANNEL_LAYERS['default']['BACKEND']",
        **env,
    )


def test_defaults_are_sqlite_and_in_memory_layer():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "InMemoryChannelLayer" in result.stdout


def test_urls_switch_to_postgres_and_redis():
    result = load_settings(DATABASE_URL="postgres://u@db:5432/x", REDIS_URL="redis://r:6379/0")
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and "RedisChannelLayer" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "0"}, "DJANGO_SECRET_KEY"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"BEDWATCH_FRESH_HOURS": "four"}, "BEDWATCH_FRESH_HOURS"),
        ({"BEDWATCH_FRESH_HOURS": "20"}, "BEDWATCH_FRESH_HOURS"),
        ({"BEDWATCH_MAX_BODY_BYTES": "10"}, "BEDWATCH_MAX_BODY_BYTES"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def _database_options(**env: str) -> subprocess.CompletedProcess:
    return run_settings("settings.DATABASES['default'].get('OPTIONS', {}).get('pool')", **env)


def test_pool_size_pools_postgres_connections_and_is_off_by_default():
    url = "postgres://u@127.0.0.1:5432/x"
    assert _database_options(DATABASE_URL=url).stdout.strip() == "None"
    pooled = _database_options(DATABASE_URL=url, DATABASE_POOL_MAX_SIZE="12")
    assert pooled.returncode == 0, pooled.stderr
    assert "'max_size': 12" in pooled.stdout
    # SQLite has no pool: the setting is ignored there.
    assert _database_options(DATABASE_POOL_MAX_SIZE="12").stdout.strip() == "None"


def test_pool_and_persistent_connections_are_refused_together():
    result = _database_options(
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        DATABASE_POOL_MAX_SIZE="12",
        DATABASE_CONN_MAX_AGE="60",
    )
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE and DATABASE_POOL_MAX_SIZE" in result.stderr
