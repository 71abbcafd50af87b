"""The checkout stands alone: nothing it runs, tests or links needs a folder beside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("tests/", "services/", "bot/", "storage/", "benchmarks/", "docs/", "README.md")
# A path into the workspace around the checkout: relative, absolute, or built in Python.
# (Spelt so that this line does not match itself.)
OUTSIDE = re.compile(r"\.\./shared\b|/work(?=/)|parents?(?:\[\d\])?\s*/\s*[\"']shared[\"']")
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def tracked(*paths: str) -> list[Path]:
    """The files git tracks under `paths`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *paths],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_repository_stands_alone() -> None:
    files = tracked(*CHECKED)
    assert any(path.name == "test_client.py" for path in files)
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        if path.suffix in (".py", ".md", ".json", ".toml", ".txt", "")
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_document_links_stay_inside_the_repository() -> None:
    documents = tracked("README.md", "docs/")
    links = [
        (document, target)
        for document in documents
        if document.suffix == ".md"
        for target in LINK.findall(document.read_text())
        if "://" not in target
    ]
    assert links, "README.md links to nothing in the repository"
    broken = [
        f"{document.relative_to(ROOT)} -> {target}"
        for document, target in links
        if not (document.parent / target).resolve().is_relative_to(ROOT)
        or not (document.parent / target).exists()
    ]
    assert broken == []
