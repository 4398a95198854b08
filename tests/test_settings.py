"""Settings come from the environment; bad values stop the start-up with a clear message."""

import os
import re
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
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return run_settings(
        "settings.DATABASES['default']['ENGINE'], repr(settings.REDIS_URL),"
        " __import__('realtime.broker').broker.broker()",
        **env,
    )


def test_defaults_are_sqlite_and_the_in_memory_broker():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "''" in result.stdout
    assert "MemoryBroker" in result.stdout


def test_debug_is_off_unless_asked_for():
    # A secret key of its own, DJANGO_DEBUG unset: production as the issue audited it.
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": "x" * 60,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert run_settings("settings.DEBUG", DJANGO_DEBUG="1").stdout.strip() == "True"


def test_debug_off_refuses_the_development_secret_key():
    result = run_settings(
        "settings.DEBUG",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="dev-only-insecure-key-do-not-use-in-production",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_urls_switch_to_postgres_and_the_redis_broker():
    result = load_settings(DATABASE_URL="postgres://u@db:5432/x", REDIS_URL="redis://r:6379/0")
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout and "'redis://r:6379/0'" in result.stdout
    assert "RedisBroker" in result.stdout


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


def test_https_behind_a_proxy_makes_cookies_secure_and_is_off_by_default():
    expression = (
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_PROXY_SSL_HEADER"
    )
    default = run_settings(expression)
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "False False False 0 None"
    https = run_settings(expression, BEDWATCH_HTTPS="1")
    assert https.returncode == 0, https.stderr
    assert https.stdout.strip() == "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"


def _deploy_check(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "BEDWATCH_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 60 + "-not-a-real-key-but-long-and-varied-0123456789",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def _deploy_warnings(result: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\(security\.(W\d+)\)", result.stderr))


def test_production_settings_with_https_pass_djangos_deploy_check():
    # Only the two HSTS choices that bind the whole domain are left to its owner.
    https = _deploy_check(BEDWATCH_HTTPS="1")
    assert _deploy_warnings(https) == {"W005", "W021"}, https.stderr
    owner = _deploy_check(
        BEDWATCH_HTTPS="1", BEDWATCH_HSTS_SUBDOMAINS="1", BEDWATCH_HSTS_PRELOAD="1"
    )
    assert owner.returncode == 0, owner.stderr
    plain = _deploy_check()
    assert {"W004", "W008", "W012", "W016"} <= _deploy_warnings(plain)


def documented_production_environment() -> dict[str, str]:
    """The environment block of docs/deployment.md ("In production:"), as a dict."""
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    block = text.split("In production:\n\n", 1)[1].split("\n\n", 1)[0]
    env = {}
    for line in block.splitlines():
        name, _, value = line.strip().partition("=")
        env[name] = value.split("  #")[0].strip()
    return env


def test_the_documented_production_settings_pass_djangos_deploy_check():
    env = documented_production_environment()
    assert env["DJANGO_DEBUG"] == "0"
    env["DJANGO_SECRET_KEY"] = "k$3" * 20 + "-a-real-deployment-draws-its-own-0123456789"
    result = _deploy_check(**env)
    assert result.returncode == 0, result.stderr


def test_health_check_is_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    assert client.get("/healthz").status_code == 200
    redirected = client.get("/accounts/login/")
    assert redirected.status_code == 301
    assert redirected["Location"].startswith("https://")
