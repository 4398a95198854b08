"""schemathesis against a live server, with a staff token and a dispatcher token: no answer
may be a 5xx, have an undocumented status or content type, or a body unlike its schema.

Bounded in time (SCHEMATHESIS_SECONDS per token, 2 × 100 s by default: under 5 minutes with start-up); marked
slow, so it runs in CI's PostgreSQL pass (`make test`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services import token_create
from beds.models import UnitKind
from tests.factories import UnitFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SECONDS = int(os.getenv("SCHEMATHESIS_SECONDS", "100"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)


def config(units: list[int], regions: list[str]) -> str:
    """schemathesis.toml: paths name these units and régions most of the time (the rest is
    fuzzed), so that operations reach their logic instead of answering 404."""
    return "\n".join(
        [
            "[dictionaries.units]",
            f"values = {units}",
            "[dictionaries.locations]",
            f"values = {[str(unit) for unit in units]}",
            "[dictionaries.regions]",
            f"values = {regions}",
            "[parameters]",
            '"path.unit_id" = { dictionary = "units", probability = 0.7 }',
            '"path.location_id" = { dictionary = "locations", probability = 0.7 }',
            '"path.code" = { dictionary = "regions", probability = 0.7 }',
            "",
        ]
    ).replace("'", '"')


def schemathesis(base_url: str, token: str, report: Path) -> subprocess.CompletedProcess:
    command = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert command, "schemathesis is a dev dependency (pyproject.toml)"
    return subprocess.run(
        [
            command,
            "run",
            f"{base_url}/api/v1/schema/?format=json",
            "--url",
            base_url,
            "--header",
            f"Authorization: Token {token}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-time",
            str(SECONDS),
            "--max-examples",
            "50",
            "--workers",
            "1",
            "--seed",
            "14",
            "--generation-database",
            "none",
            "--request-timeout",
            "10",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 120,
        cwd=report,  # its cache and reports stay out of the repository
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )


@pytest.mark.parametrize("who", ["alice", "dave"])
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(
    request, live_server, unit_lyon, unit_paris, tmp_path, who
):
    UnitFactory(hospital=unit_lyon.hospital, label="USIC", kind=UnitKind.USIC)
    user = request.getfixturevalue(who)
    key = token_create(user=user)

    units = [unit_lyon.pk, unit_paris.pk]
    (tmp_path / "schemathesis.toml").write_text(config(units, ["84", "11"]), encoding="utf-8")

    result = schemathesis(live_server.url, key, tmp_path)

    tail = (result.stdout + result.stderr)[-6000:]
    print(tail)  # shown with -s, or on failure
    assert result.returncode == 0, tail
