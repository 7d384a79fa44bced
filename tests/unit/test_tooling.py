"""The README's test command checks lint, formatting and types, and installs what uv.lock pins."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def dry_run(*targets: str) -> list[str]:
    """The commands ``make`` would run for ``targets``, every prerequisite included."""
    out = subprocess.run(
        ["make", "--dry-run", "--always-make", *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.splitlines()


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_make_test_checks_lint_formatting_and_types_before_the_tests():
    commands = dry_run("test")
    pytest_at = next(i for i, c in enumerate(commands) if "/pytest" in c)
    checks = [c.strip() for c in commands[:pytest_at]]
    assert ".venv/bin/ruff check ." in checks
    assert ".venv/bin/ruff format --check ." in checks
    assert ".venv/bin/mypy" in checks


def test_make_install_installs_from_the_lock_file_with_a_pinned_uv():
    commands = "\n".join(dry_run("install"))
    assert re.search(r'pip install .*"uv==\d+\.\d+\.\d+"', commands)
    assert "uv sync --locked" in commands
    assert "pip install -e" not in commands  # nothing resolved outside the lock


def test_mypy_covers_the_application_the_models_and_the_pages():
    mypy = PYPROJECT["tool"]["mypy"]
    assert mypy["files"] == ["dashboard", "models", "pages"]
    # Function bodies are checked too, and pages/cohort/dashboard.py is pages.cohort.dashboard.
    assert mypy["check_untyped_defs"] is True
    assert mypy["explicit_package_bases"] is True
    assert "pydantic.mypy" in mypy["plugins"]
    # Missing type information is tolerated only for named third-party libraries.
    assert "ignore_missing_imports" not in mypy
    for override in mypy.get("overrides", []):
        assert not any(
            m.split(".")[0] in {"dashboard", "models", "pages"} for m in override["module"]
        )
    assert "mypy" in {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["test"]}


def test_every_dependency_is_in_the_lock_file():
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {p["name"] for p in lock["package"]}
    project = PYPROJECT["project"]
    wanted = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        wanted += extra
    assert sorted({_name(r) for r in wanted} - locked) == []
    # The lock was resolved from this pyproject.toml (what `uv sync --locked` also checks).
    entry = next(p for p in lock["package"] if p["name"] == project["name"])
    requested = {_name(r["name"]) for r in entry["metadata"]["requires-dist"]}
    assert requested == {_name(r) for r in wanted}
