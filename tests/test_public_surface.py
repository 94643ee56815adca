"""Every module declares its public surface in `__all__`, and the package only uses what modules declare.

A name a module does not list is its own business: no other module of the package may import it, so it can
change without a search through the tree. Tests may reach private (`_`) names of the module they test.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "evaluator" / "boundary_policy"
TESTS = Path(__file__).parent

# The engine backends and cli.py are being rewritten on their own (the native engine, --version); they get
# `__all__` with that work.


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


def _declared(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            continue
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        assert isinstance(value, ast.List | ast.Tuple), "__all__ must be a literal list"
        return [ast.literal_eval(element) for element in value.elts]
    return None


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_declares_its_public_names(path: Path) -> None:
    names = _declared(ast.parse(path.read_text(encoding="utf-8")))
    assert names is not None, f"{path.relative_to(PACKAGE)} has no __all__"
    assert len(set(names)) == len(names), f"duplicates in __all__: {names}"
    if path.name == "__main__.py":
        return  # importing it runs the CLI
    module = importlib.import_module(_module_name(path))
    missing = [name for name in names if not hasattr(module, name)]
    assert not missing, f"__all__ names what {module.__name__} does not define: {missing}"


def _imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every `from boundary_policy... import name` in a file."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "boundary_policy":
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
    return found


def _undeclared_imports(files: list[Path], *, allow_private: bool) -> list[str]:
    wrong: list[str] = []
    for path in files:
        for line, module_name, name in _imports(path):
            module = importlib.import_module(module_name)
            if hasattr(module, "__path__") and importlib.util.find_spec(f"{module_name}.{name}") is not None:
                continue  # a submodule
            if allow_private and name.startswith("_"):
                continue
            if name not in getattr(module, "__all__", [name]):
                wrong.append(f"{path}:{line}: {name} is not in {module_name}.__all__")
    return wrong


def test_the_package_imports_only_declared_names() -> None:
    assert _undeclared_imports(sorted(PACKAGE.rglob("*.py")), allow_private=False) == []


def test_tests_import_declared_names_or_private_ones_on_purpose() -> None:
    assert _undeclared_imports(sorted(TESTS.rglob("*.py")), allow_private=True) == []
