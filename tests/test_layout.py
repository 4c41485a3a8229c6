"""The package's floors, read from the imports of every module (lazy ones inside functions
included): no module imports from a floor above its own, serve and authoring do not import
each other, and every module has a test file of its own."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

PACKAGE = REPO / "generator"

# Bottom to top. Each floor may import its own floor and the floors below it.
FLOORS = [
    ("ground", {"generator.errors", "generator.urls", "generator.digests"}),
    ("source", {"generator.source"}),
    ("pages", {"generator.pages"}),
    ("search", {"generator.search"}),
    ("build", {"generator.build"}),
    ("serve and authoring", {"generator.serve", "generator.authoring"}),
    ("cli", {"generator.cli"}),
]
ASIDE = {"generator", "generator.__main__"}  # the version, and `python -m generator`
SIDE_BY_SIDE = {"generator.serve", "generator.authoring"}  # one floor, but strangers


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def room_of(module: str) -> tuple[int, str] | None:
    """(floor number, the package or module that is the room) of a module, or None."""
    for number, (_, rooms) in enumerate(FLOORS):
        for room in rooms:
            if module == room or module.startswith(room + "."):
                return number, room
    return None


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import of the package in the file, at any depth."""
    return imports_in(path.read_text("utf-8"), module_name(path), path.name == "__init__.py")


def imports_in(text: str, name: str, is_package: bool = False) -> list[tuple[int, str]]:
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:  # `from . import body_edits` imports a module
                candidate = f"{origin}.{alias.name}"
                found.append((node.lineno, candidate if candidate in MODULES else origin))
    return [(line, module) for line, module in found
            if module == "generator" or module.startswith("generator.")]


def test_every_module_has_a_floor():
    homeless = [name for name in MODULES if name not in ASIDE and room_of(name) is None]
    assert homeless == [], (f"{homeless}: add them to a floor in FLOORS (tests/test_layout.py), "
                            "or move them into a subpackage")


@pytest.mark.parametrize("name", [n for n in MODULES if n not in ASIDE])
def test_no_import_reaches_a_floor_above(name):
    here = room_of(name)
    if here is None:
        pytest.fail(f"{name} has no floor", pytrace=False)
    wrong = []
    for line, target in imports_of(MODULES[name]):
        there = room_of(target)
        where = f"{MODULES[name].relative_to(REPO)}:{line}: imports {target}"
        if target == "generator":
            continue  # the package itself holds only its version
        if there is None:
            wrong.append(f"{where}, which has no floor")
        elif there[0] > here[0]:
            wrong.append(f"{where}, on the {FLOORS[there[0]][0]} floor above "
                         f"{FLOORS[here[0]][0]}")
        elif {here[1], there[1]} == SIDE_BY_SIDE:
            wrong.append(f"{where}: serve and authoring do not import each other")
    assert wrong == [], "\n".join(wrong)


def test_the_floor_check_sees_lazy_and_relative_imports():
    """The reader above finds imports inside functions and resolves `.` and `..`."""
    text = ("import os\nfrom ..errors import Problem\n\n\ndef f():\n"
            "    from ..build import keys\n    from . import site\n    from .plan import Pager\n")
    assert imports_in(text, "generator.pages.x") == [
        (2, "generator.errors"), (6, "generator.build.keys"), (7, "generator.pages.site"),
        (8, "generator.pages.plan")]
    assert room_of("generator.build.keys") > room_of("generator.pages.x")


@pytest.mark.parametrize("name", [n for n, p in MODULES.items()
                                  if n not in ASIDE and p.name != "__init__.py"])
def test_every_module_has_a_test_file_of_its_own(name):
    parts = name.split(".")[1:]
    expected = REPO / "tests" / Path(*parts[:-1]) / f"test_{parts[-1]}.py"
    assert expected.is_file(), (f"{MODULES[name].relative_to(REPO)} has no tests of its own: "
                                f"write {expected.relative_to(REPO)}")
