"""Hatch build hook: the embedded OPA engine (native/, Go) built into the wheel.

`pip install .` and `python -m build` run it. A wheel gets the library as boundary_policy/engine/_lib/ and a
platform tag (py3-none-<platform>: the library is Go and C, not tied to a Python version). An editable
install puts it into the checkout's .tools/lib, where the engine looks in a source tree (as scripts/setup
does). Both go through native/build.py's install: the committed prebuilt library on Linux x86-64 when it was
built from these sources, else a build that needs Go and a C compiler (it says so when they are missing).
"""

from __future__ import annotations

import importlib.util
import sysconfig
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def _native_build(root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("native_build", root / "native" / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class NativeEngineHook(BuildHookInterface):  # type: ignore[misc]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        native = _native_build(root)
        try:
            library = native.install(root / ".tools" / "lib")
        except native.BuildError as error:
            raise RuntimeError(f"boundary-policy: {error}") from None
        if version == "editable":
            return
        build_data["force_include"][str(library)] = f"boundary_policy/engine/_lib/{library.name}"
        build_data["pure_python"] = False
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["tag"] = f"py3-none-{platform}"
