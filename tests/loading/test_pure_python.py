"""Without libyaml the pure-Python composer must give the same objects, lines and problem positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from boundary_policy.loading.compose import Composer, PythonComposer
from boundary_policy.loading.documents import read_documents
from boundary_policy.model import Document, LoadProblem

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "loading"


def read(text: str, composer: type) -> list[tuple[object, ...]]:
    items = read_documents("f.yaml", text, max_documents=100, max_alias_expansion=1000, composer_class=composer)
    out: list[tuple[object, ...]] = []
    for item in items:
        if isinstance(item, Document):
            out.append((item.obj, item.line, dict(item.lines)))
        else:
            assert isinstance(item, LoadProblem)
            out.append((item.line, item.message.split(":")[0]))
    return out


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.iterdir()))
def test_fixtures_load_the_same_without_libyaml(name: str) -> None:
    assert Composer is not PythonComposer, "libyaml is expected in the development environment"
    text = (FIXTURES / name).read_text(encoding="utf-8")
    assert read(text, PythonComposer) == read(text, Composer)


@pytest.mark.parametrize(
    "text",
    [
        "a: é\x07\n",
        "apiVersion: v1\nkind: Pod\n---\nkind: [\n",
        "a: &a [*a]\n",
        "apiVersion: v1\nkind: Pod\nx: [1, 2\n",
    ],
)
def test_problem_lines_match_without_libyaml(text: str) -> None:
    assert read(text, PythonComposer) == read(text, Composer)
