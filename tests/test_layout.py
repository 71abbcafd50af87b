"""The import direction of STYLE.md, read from the source: which package may import which."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("bot", "services", "storage")


def imports(path: Path) -> set[str]:
    """The project modules `path` imports, as dotted names (relative imports resolved)."""
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] in PROJECT}


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    ("folder", "allowed"),
    [
        ("services/engine", ("services.engine",)),
        ("storage", ("storage",)),
        ("services", ("services",)),
        ("services/contract", ("services.contract", "services.engine")),
    ],
)
def test_a_package_imports_only_what_the_layout_allows(
    folder: str, allowed: tuple[str, ...]
) -> None:
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(folder)
        for name in imports(path)
        if not name.startswith(allowed)
    }
    assert not wrong


def test_the_server_does_not_use_the_http_client() -> None:
    wrong = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("services/server")
        for name in imports(path)
        if name.startswith("services.removebg")
    }
    assert not wrong


def test_the_check_sees_relative_imports() -> None:
    found = imports(ROOT / "services" / "factory.py")
    assert "services.removebg.RemoveBgClient" in found
    assert "services.contract.local.LocalBackend" in found
