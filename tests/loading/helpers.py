"""Small helpers: write manifests into a temporary directory and load them from there."""

from __future__ import annotations

from pathlib import Path

from boundary_policy.loading import LoadLimits, LoadResult, load_paths
from boundary_policy.model import LoadProblem


def write(root: Path, name: str, content: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode())
    return path


def load(root: Path, *paths: str, limits: LoadLimits | None = None) -> LoadResult:
    return load_paths(list(paths), cwd=root, limits=limits or LoadLimits())


def problems(result: LoadResult) -> list[tuple[str, int | None, str]]:
    return [as_tuple(p) for p in result.problems]


def only_problem(root: Path, name: str, content: str | bytes) -> tuple[str, int | None, str]:
    """Load one file that must yield exactly one problem and no object: (file, line, message)."""
    write(root, name, content)
    result = load(root, name)
    assert result.documents == []
    assert len(result.problems) == 1, result.problems
    return as_tuple(result.problems[0])


def as_tuple(problem: LoadProblem) -> tuple[str, int | None, str]:
    return (problem.file, problem.line, problem.message)
