"""References to the decisions the rules rely on point at docs/semantics.md sections that exist, and none point
at a design document outside the project."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEMANTICS = ROOT / "docs" / "semantics.md"
REFERENCE = re.compile(r"docs/semantics\.md#([A-Za-z0-9_-]+)")
OUTSIDE = re.compile(r"\b(?:rules|design)\.md §")
TEXT = (".rego", ".py", ".md", ".yaml", ".yml")


def _project_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [name for name in listed.splitlines() if name.endswith(TEXT) and (ROOT / name).is_file()]


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.strip().lower()).replace(" ", "-")


def _anchors() -> set[str]:
    lines = SEMANTICS.read_text(encoding="utf-8").splitlines()
    return {_slug(line.lstrip("#")) for line in lines if line.startswith("## ")}


def test_every_semantics_reference_names_a_section() -> None:
    anchors = _anchors()
    broken = [
        f"{name}: #{anchor}"
        for name in _project_files()
        for anchor in REFERENCE.findall((ROOT / name).read_text(encoding="utf-8", errors="replace"))
        if anchor not in anchors
    ]
    assert not broken, f"no such section in docs/semantics.md: {broken}"


def test_no_reference_to_a_document_outside_the_project() -> None:
    found = [
        f"{name}:{number}"
        for name in _project_files()
        for number, line in enumerate((ROOT / name).read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, f"point these at docs/semantics.md instead: {found}"
