"""The bundled Suites' cases, and their objects grouped into as few `gator test` runs as their inventories allow."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from boundary_policy.suites import Suite, find_suite_files, read_suite
from tests.conftest import ROOT

SUITES = "gatekeeper/suites/..."


def bundled_suites() -> list[Suite]:
    """The Suites under gatekeeper/suites, with paths shown as `gator verify gatekeeper/suites/...` shows them."""
    found = []
    for file, _ in find_suite_files([str(ROOT / "gatekeeper" / "suites")]):
        suite = read_suite(file, file.relative_to(ROOT).as_posix())
        if suite is not None:
            found.append(suite)
    return found


@dataclass
class Batch:
    """Objects whose cases share one inventory (and expansion), reviewed together with every template and
    Constraint of their tests: one `gator test` run, and the same files for our client."""

    inventory: tuple[Path, ...]
    expansion: Path | None
    templates: list[Path] = field(default_factory=list)
    constraints: list[Path] = field(default_factory=list)
    objects: list[Path] = field(default_factory=list)

    @property
    def name(self) -> str:
        names = ",".join(path.stem for path in self.inventory) or "no-inventory"
        return names if self.expansion else f"{names}/no-expansion"

    def files(self, flattened_inventory: Path | None) -> list[Path]:
        extra = [self.expansion] if self.expansion else []
        inventory = [flattened_inventory] if flattened_inventory else []
        return [*self.templates, *self.constraints, *extra, *inventory, *self.objects]


def _add(items: list[Path], path: Path) -> None:
    if path not in items:
        items.append(path)


def batches(suites: list[Suite]) -> list[Batch]:
    by_key: dict[tuple[tuple[Path, ...], Path | None], Batch] = {}
    for suite in suites:
        base = suite.file.parent
        for test in suite.tests:
            if test.skip or test.invalid:
                continue
            expansion = (base / test.expansion).resolve() if test.expansion else None
            for case in test.cases:
                if case.skip:
                    continue
                inventory = tuple((base / p).resolve() for p in case.inventory)
                batch = by_key.setdefault((inventory, expansion), Batch(inventory, expansion))
                _add(batch.templates, (base / test.template).resolve())
                _add(batch.constraints, (base / test.constraint).resolve())
                _add(batch.objects, (base / case.object).resolve())
    return list(by_key.values())


def flatten_inventory(paths: tuple[Path, ...], target: Path) -> Path | None:
    """One YAML stream of the inventory objects, `kind: List` unwrapped (gator does not unwrap it)."""
    if not paths:
        return None
    documents: list[Any] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        loaded = [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))
        for document in loaded:
            if isinstance(document, dict) and document.get("kind") == "List":
                documents.extend(document.get("items") or [])
            elif document:
                documents.append(document)
    target.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return target
