"""`accounts` sits below the live feed (HELPERS/architecture: regions ← accounts ← realtime):
it must work, and be importable, without `realtime`."""

from __future__ import annotations

import ast
from pathlib import Path

ACCOUNTS = Path(__file__).resolve().parents[2] / "accounts"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_accounts_does_not_import_realtime():
    offenders = {
        str(path.relative_to(ACCOUNTS.parent)): sorted(
            name for name in imported_modules(path) if name.split(".")[0] == "realtime"
        )
        for path in ACCOUNTS.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
