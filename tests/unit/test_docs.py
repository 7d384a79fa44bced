"""The documentation matches the code: the README's map lists every package, module and page
folder (and nothing that no longer exists), its "where to look" answers name real functions,
and every setting the configuration reads is documented in ``.env.example``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
CONFIG = ROOT / "dashboard" / "core" / "config.py"
ENV_EXAMPLE = ROOT / ".env.example"
ENTRY = re.compile(r"^( *)(\S+(?:/|\.py))(?:\s|$)")


def map_block(readme: str) -> str:
    """The code block right after the "Map of the code" heading."""
    section = readme.split("## Map of the code", 1)[1]
    return section.split("```", 2)[1]


def map_entries(block: str) -> list[str]:
    """Paths of the map's entries, in order; two spaces of indentation nest an entry in the one
    above."""
    paths: list[str] = []
    parents: list[str] = []
    for line in block.splitlines():
        found = ENTRY.match(line)
        if not found:
            continue  # a description continued on the next line
        depth = len(found.group(1)) // 2
        parents = parents[:depth]
        path = "".join(parents) + found.group(2)
        paths.append(path.rstrip("/"))
        if path.endswith("/"):
            parents.append(path if depth == 0 else found.group(2))
    return paths


def map_paths(block: str) -> set[str]:
    return set(map_entries(block))


def code_paths(root: Path) -> set[str]:
    """Every package and module of ``dashboard/`` and every folder of ``pages/``."""
    out: set[str] = set()
    for path in (root / "dashboard").rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(root)
        if path.name == "__init__.py":
            out.add(rel.parent.as_posix())
        else:
            out.add(rel.as_posix())
    for folder in (root / "pages").iterdir():
        if folder.is_dir() and folder.name != "__pycache__":
            out.add(folder.relative_to(root).as_posix())
    return out


def settings_read(source: str) -> set[str]:
    """Environment variables the configuration reads: upper-case string literals passed to a
    call (``os.environ.get("X")``, ``_int("X", …)``, ``_timezone("X", …)``…)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for arg in node.args[:1]:
                if (
                    isinstance(arg, ast.Constant)
                    and isinstance(arg.value, str)
                    and re.fullmatch(r"[A-Z][A-Z0-9_]+", arg.value)
                ):
                    names.add(arg.value)
    return names


def documented(example: str) -> set[str]:
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.M))


def test_the_map_lists_every_package_module_and_page_folder():
    listed = map_paths(map_block(README.read_text(encoding="utf-8")))
    missing = sorted(code_paths(ROOT) - listed)
    assert missing == [], f"Absent du plan du README : {missing}"


def test_the_map_lists_nothing_that_does_not_exist():
    listed = map_paths(map_block(README.read_text(encoding="utf-8")))
    gone = sorted(p for p in listed if not (ROOT / p).exists())
    assert gone == [], f"Dans le plan du README mais introuvable : {gone}"


def test_the_map_lists_each_path_once():
    entries = map_entries(map_block(README.read_text(encoding="utf-8")))
    twice = sorted({p for p in entries if entries.count(p) > 1})
    assert twice == [], f"Listé deux fois dans le plan du README : {twice}"


def test_the_map_check_fails_on_a_new_module_or_a_new_page_folder(tmp_path):
    block = "dashboard/\n  app.py     entry\n  core/      base\n    db.py    engine\npages/\n"
    (tmp_path / "dashboard" / "core").mkdir(parents=True)
    for name in ("dashboard/__init__.py", "dashboard/app.py", "dashboard/core/__init__.py"):
        (tmp_path / name).write_text("")
    (tmp_path / "dashboard" / "core" / "db.py").write_text("")
    (tmp_path / "pages").mkdir()
    assert code_paths(tmp_path) - map_paths(block) == set()
    (tmp_path / "dashboard" / "core" / "clock.py").write_text("")
    (tmp_path / "pages" / "lead").mkdir()
    assert code_paths(tmp_path) - map_paths(block) == {"dashboard/core/clock.py", "pages/lead"}


def test_a_continued_description_is_not_an_entry():
    block = (
        "dashboard/\n"
        "  services/\n"
        "    shared/\n"
        "      access.py      refuses a lead's write to another\n"
        "                     network (writable_network)\n"
        "  ui/\n"
    )
    assert map_paths(block) == {
        "dashboard",
        "dashboard/services",
        "dashboard/services/shared",
        "dashboard/services/shared/access.py",
        "dashboard/ui",
    }


@pytest.mark.parametrize(
    "question",
    [
        'what "late" means',
        "where a lead's write to another network is refused",
        "where the CSV separator is chosen",
    ],
)
def test_where_to_look_names_a_real_function(question):
    readme = README.read_text(encoding="utf-8")
    section = readme.split("Where to look first:", 1)[1].split("\n\n", 2)[1]
    item = next(i for i in re.split(r"\n(?=- )", section) if question in i)
    path, symbol = re.search(r"`([\w/]+\.py)` \(`(\w+)`\)", item).groups()
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)} | {
        t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if hasattr(t, "id")
    }
    assert symbol in defined


def test_every_setting_is_documented_in_env_example():
    names = settings_read(CONFIG.read_text(encoding="utf-8"))
    assert {"DATABASE_URL", "APP_ENV", "PROGRAMME_TIMEZONE"} <= names
    missing = sorted(names - documented(ENV_EXAMPLE.read_text(encoding="utf-8")))
    assert missing == [], f"Absent de .env.example : {missing}"


def test_the_settings_check_fails_on_an_undocumented_setting():
    source = 'import os\nA = os.environ.get("NEW_SETTING", "")\nB = _int("LOGIN_MAX", 3)\n'
    example = "# documented\nLOGIN_MAX=3\n"
    assert settings_read(source) - documented(example) == {"NEW_SETTING"}
