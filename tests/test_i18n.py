"""French by default, English on request; the staff pages leave no string untranslated."""

from __future__ import annotations

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import service_missing

REPO = Path(__file__).resolve().parents[1]
PO = REPO / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# Sources of the staff pages and of the API's error messages.
STAFF_SOURCES = (
    "templates/base.html",
    "templates/home.html",
    "templates/403.html",
    "templates/registration/",
    "templates/beds/",
    "beds/forms.py",
    "beds/views.py",
    "beds/capacity.py",
    "beds/models.py",
    "beds/services.py",
    "beds/api/",
)


def po_entries(text: str) -> list[dict]:
    """Entries of a .po file: msgid, msgstr, flags and source references (no plural forms)."""
    entries = []
    for block in text.split("\n\n"):
        entry: dict = {"refs": [], "flags": "", "msgid": "", "msgstr": ""}
        key = None
        for line in block.splitlines():
            if line.startswith("#:"):
                entry["refs"] += line[2:].split()
            elif line.startswith("#,"):
                entry["flags"] += line[2:]
            elif line.startswith("#~"):
                key = None  # obsolete
            elif line.startswith(("msgid ", "msgstr ")):
                key, _, rest = line.partition(" ")
                entry[key] = rest.strip()[1:-1]
            elif line.startswith('"') and key:
                entry[key] += line.strip()[1:-1]
        if entry["msgid"]:
            entries.append(entry)
    return entries


def is_staff_source(ref: str) -> bool:
    return ref.split(":")[0].startswith(STAFF_SOURCES)


def test_committed_catalog_translates_every_staff_string():
    missing = [
        e["msgid"]
        for e in po_entries(PO.read_text(encoding="utf-8"))
        if any(map(is_staff_source, e["refs"])) and (not e["msgstr"] or "fuzzy" in e["flags"])
    ]
    assert missing == []


def test_compiled_catalog_matches_the_po_file():
    """The .mo is committed so that a clone works without gettext: it must be current."""
    with MO.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in po_entries(PO.read_text(encoding="utf-8")):
        if entry["msgstr"] and "fuzzy" not in entry["flags"]:
            msgid = entry["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()
            msgstr = entry["msgstr"].encode().decode("unicode_escape").encode("latin-1").decode()
            assert catalog.gettext(msgid) == msgstr, msgid


def test_makemessages_leaves_no_untranslated_staff_string(tmp_path):
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        service_missing("GNU gettext (apt-get install gettext)")
    copy = tmp_path / "bedwatch"
    shutil.copytree(
        REPO,
        copy,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "__pycache__",
            "staticfiles",
            "node_modules",
            "*.sqlite3",
            "docs",
            "test-artifacts",
            ".pytest_cache",
            ".ruff_cache",
        ),
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "fr",
            "--no-obsolete",
            "--ignore=tests",
            "--ignore=bench",
            "--ignore=staticfiles",
        ],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    entries = po_entries((copy / PO.relative_to(REPO)).read_text(encoding="utf-8"))
    staff = [e for e in entries if any(map(is_staff_source, e["refs"]))]
    assert len(staff) > 50  # the page, the forms and the API messages are all extracted
    untranslated = [e["msgid"] for e in staff if not e["msgstr"] or "fuzzy" in e["flags"]]
    assert untranslated == []


@pytest.mark.django_db
def test_api_errors_follow_the_request_language(api, alice, unit_lyon):
    body = {
        "installed": 10,
        "available": 1000,
        "occupied": 0,
        "reserved": 0,
        "closed": 0,
        "extra": 0,
    }
    url = f"/api/v1/units/{unit_lyon.pk}/reports/"

    english = api(alice).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    french = api(alice).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert english.status_code == french.status_code == 400
    assert english.json()["available"] == ["Use a whole number from 0 to 999."]
    assert french.json()["available"] == ["Utilisez un nombre entier de 0 à 999."]


@pytest.mark.django_db
def test_api_rule_errors_from_capacity_are_translated(api, alice, unit_lyon):
    body = {"installed": 10, "available": 5, "occupied": 8, "reserved": 0, "closed": 0, "extra": 0}
    url = f"/api/v1/units/{unit_lyon.pk}/reports/"

    english = api(alice).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    french = api(alice).post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="fr")

    assert english.json()["available"][0].startswith("Too many beds: available, occupied")
    assert french.json()["available"][0].startswith("Trop de lits : disponibles, occupés")


@pytest.mark.django_db
def test_api_scope_errors_are_translated(api, bob, unit_lyon):
    url = f"/api/v1/units/{unit_lyon.pk}/"
    assert api(bob).get(url, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == (
        "This unit is outside your scope."
    )
    assert api(bob).get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["detail"] == (
        "Cette unité est hors de votre périmètre."
    )


@pytest.mark.django_db
def test_login_page_is_french_by_default_and_english_on_request(client):
    assert "Connexion" in client.get("/accounts/login/").content.decode()
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in" in english and '<html lang="en"' in english
