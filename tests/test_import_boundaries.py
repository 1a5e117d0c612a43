"""The import rules of ARCHITECTURE.md, checked by parsing every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"store", "collector", "surveys", "analytics", "dashboards", "doraspace"}
ALLOWED = {
    "store": {"store"},
    "collector": {"collector", "store"},
    "surveys": {"surveys", "store"},
    "analytics": {"analytics", "store"},
    "dashboards": {"dashboards", "analytics"},
    "doraspace": OURS,
}


def top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def imported_packages(path: Path) -> set[str]:
    return top_level_imports(path) & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package: str) -> None:
    violations = [
        f"{path.relative_to(ROOT)} imports {sorted(imported_packages(path) - ALLOWED[package])}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if imported_packages(path) - ALLOWED[package]
    ]
    assert violations == []


def test_dashboards_write_no_sql() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "dashboards").rglob("*.py"))
        if {"sqlalchemy", "duckdb", "store"} & top_level_imports(path)
    ]
    assert offenders == []


def test_doraspace_wires_without_a_database_driver() -> None:
    """``doraspace/`` only wires: SQL and engines live in store, collector and analytics."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {sorted({'sqlalchemy', 'duckdb'} & top_level_imports(path))}"
        for path in sorted((ROOT / "doraspace").rglob("*.py"))
        if {"sqlalchemy", "duckdb"} & top_level_imports(path)
    ]
    assert offenders == []


def test_only_the_cli_and_config_read_the_environment() -> None:
    readers = sorted(
        str(path.relative_to(ROOT))
        for package in OURS
        for path in (ROOT / package).rglob("*.py")
        if "os.environ" in path.read_text() or "getenv" in path.read_text()
    )
    assert set(readers) <= {"doraspace/cli.py", "doraspace/config/__init__.py"}


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from analytics.dora import compute_dora\nimport collector.models\n")
    assert imported_packages(module) == {"analytics", "collector"}
