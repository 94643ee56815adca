"""Locating the bundle: explicit path, then the packaged copy, then the source checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from boundary_policy import bundle

ROOT = Path(__file__).resolve().parents[2]


def test_source_checkout_is_found_when_nothing_is_packaged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "PACKAGED", tmp_path / "_bundle")
    assert bundle.project_root() == ROOT
    assert bundle.policies_dir() == ROOT / "policies"


def test_packaged_bundle_wins_over_the_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "_bundle"
    for name in ("policies", "gatekeeper/templates", "gatekeeper/constraints"):
        (packaged / name).mkdir(parents=True)
    (packaged / "gatekeeper/templates/bnd010.yaml").write_text("kind: ConstraintTemplate\n")
    (packaged / "gatekeeper/templates/bnd001.yaml").write_text("kind: ConstraintTemplate\n")
    (packaged / "gatekeeper/expansion.yaml").write_text("kind: ExpansionTemplate\n")
    monkeypatch.setattr(bundle, "PACKAGED", packaged)
    assert bundle.policies_dir() == packaged / "policies"
    assert bundle.template_files() == [
        packaged / "gatekeeper/templates/bnd001.yaml",
        packaged / "gatekeeper/templates/bnd010.yaml",
    ]
    assert bundle.constraint_files() == []
    assert bundle.expansion_files() == [packaged / "gatekeeper/expansion.yaml"]
    assert bundle.sync_files() == []


def test_explicit_path_wins_and_must_exist(tmp_path: Path) -> None:
    assert bundle.gatekeeper_dir(tmp_path) == tmp_path
    assert bundle.template_files(tmp_path) == []
    with pytest.raises(bundle.BundleNotFoundError, match="not a directory"):
        bundle.policies_dir(tmp_path / "nope")
