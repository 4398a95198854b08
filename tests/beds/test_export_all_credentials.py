"""`export_all --include-credentials`: password hashes and tokens are never readable by others,
not even while the file is being written, and a failed export leaves nothing behind."""

from __future__ import annotations

import io
import stat

import pytest
from django.core.management import call_command

from beds.management.commands import export_all

pytestmark = pytest.mark.django_db


def test_the_credentials_file_is_private_from_its_first_byte(erin, tmp_path, monkeypatch):
    path = tmp_path / "archive.json"
    modes = []
    real_write = export_all.archive_write

    def write_and_look(fp, *, credentials):  # noqa: ANN001, ANN202
        # While the archive is written, the file on disk is already owner-only.
        modes.append(stat.S_IMODE((tmp_path / "archive.json.partial").stat().st_mode))
        return real_write(fp, credentials=credentials)

    monkeypatch.setattr(export_all, "archive_write", write_and_look)
    call_command("export_all", str(path), "--include-credentials", stdout=io.StringIO())
    assert modes == [0o600]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unexpected_failure_leaves_no_file_behind(erin, tmp_path, monkeypatch):
    path = tmp_path / "archive.json"

    def fail(fp, *, credentials):  # noqa: ANN001, ANN202
        fp.write('{"accounts": [{"password": "pbkdf2_sha256$')
        raise RuntimeError("the database went away")

    monkeypatch.setattr(export_all, "archive_write", fail)
    with pytest.raises(RuntimeError):
        call_command("export_all", str(path), "--include-credentials", stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_an_archive_without_credentials_is_private_too(erin, tmp_path):
    # Figures and account scopes are not public either; nothing is lost by guarding them.
    path = tmp_path / "archive.json"
    call_command("export_all", str(path), stdout=io.StringIO())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
