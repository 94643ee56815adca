"""Where the policy bundle (policies/ and the generated gatekeeper/) is at runtime.

Order: an explicit path, then the copy packaged in the wheel (`boundary_policy/_bundle/`: policies/, gatekeeper/ and
docs/rules/), then the source checkout this module lives in (an editable install imports from evaluator/, where no
`_bundle` exists).
"""

from __future__ import annotations

from pathlib import Path

from boundary_policy.errors import BoundaryPolicyError

__all__ = [
    "BundleNotFoundError",
    "constraint_files",
    "expansion_files",
    "gatekeeper_dir",
    "is_packaged",
    "policies_dir",
    "project_root",
    "sync_files",
    "template_files",
]

PACKAGED = Path(__file__).resolve().parent / "_bundle"


class BundleNotFoundError(BoundaryPolicyError):
    """Neither a packaged bundle nor a source checkout holds the requested directory."""


def project_root() -> Path | None:
    """The source checkout holding this module (a directory with pyproject.toml and policies/), if any."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "pyproject.toml").is_file() and (parent / "policies").is_dir():
            return parent
    return None


def _locate(name: str, explicit: Path | None) -> Path:
    if explicit is not None:
        if not explicit.is_dir():
            raise BundleNotFoundError(f"{explicit}: not a directory")
        return explicit
    packaged = PACKAGED / name
    if packaged.is_dir():
        return packaged
    root = project_root()
    if root is not None and (root / name).is_dir():
        return root / name
    raise BundleNotFoundError(
        f"no {name}/ directory: not in the installed package ({packaged}) nor in a source checkout; pass it explicitly"
    )


def is_packaged(path: Path) -> bool:
    """Whether `path` is (inside) the copy installed with the package, which commands must not rewrite."""
    return path.resolve().is_relative_to(PACKAGED.resolve())


def policies_dir(explicit: Path | None = None) -> Path:
    """The Rego source: rules/bndNNN/policy.rego and lib/<name>/<name>.rego."""
    return _locate("policies", explicit)


def gatekeeper_dir(explicit: Path | None = None) -> Path:
    """The generated Gatekeeper artifacts (templates/, constraints/, sync.yaml, expansion.yaml) and suites/."""
    return _locate("gatekeeper", explicit)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.yaml") if path.is_file()) if folder.is_dir() else []


def template_files(gatekeeper: Path | None = None) -> list[Path]:
    """One ConstraintTemplate per enforced rule, sorted by file name (bnd001.yaml, ...)."""
    return _yaml_files(gatekeeper_dir(gatekeeper) / "templates")


def constraint_files(gatekeeper: Path | None = None) -> list[Path]:
    """The default Constraint of each template, sorted by file name."""
    return _yaml_files(gatekeeper_dir(gatekeeper) / "constraints")


def expansion_files(gatekeeper: Path | None = None) -> list[Path]:
    """The ExpansionTemplates that turn workloads into the Pods the constraints match."""
    path = gatekeeper_dir(gatekeeper) / "expansion.yaml"
    return [path] if path.is_file() else []


def sync_files(gatekeeper: Path | None = None) -> list[Path]:
    """The SyncSet naming what Gatekeeper replicates into data.inventory."""
    path = gatekeeper_dir(gatekeeper) / "sync.yaml"
    return [path] if path.is_file() else []
