"""The import-linter contract (pyproject.toml, run by `make test`) sees every app of ours."""

import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_app_of_the_project_is_a_root_package_of_the_layers_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    linted = set(config["tool"]["importlinter"]["root_packages"])
    ours = {app for app in settings.INSTALLED_APPS if (ROOT / app / "apps.py").is_file()}

    # An app missing from root_packages would go unchecked: add it there and to a layer.
    assert ours - linted == set()
    layers = " ".join(config["tool"]["importlinter"]["contracts"][0]["layers"])
    for app in ours:
        assert app in layers, app
