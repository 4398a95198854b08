"""The benchmark's own tests (collected by `pytest`, testpaths in pyproject.toml): the suite's
fixtures they share come from tests/conftest.py; tests/ never imports bench."""

from tests.conftest import postgres  # noqa: F401 (fixture)
