"""The project's OPA library (native/: OPA's Go library, the version Gatekeeper ships) loaded with ctypes.

It is loaded on first use, not at import: the Go runtime it starts does not survive a fork, and `eval --jobs`
forks its workers before they open their engines. Every call passes JSON in and gets JSON back.
"""

from __future__ import annotations

import ctypes
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

from boundary_policy.engine.base import EngineUnavailable
from boundary_policy.engine.memory import engine_memory_limit
from boundary_policy.model import JSON, compact_json

LIBRARY_NAME = "libbpopa.dylib" if sys.platform == "darwin" else "libbpopa.so"

_HERE = Path(__file__).resolve().parent
_CHECKOUT = _HERE.parents[2]


def library_path() -> Path | None:
    """The library shipped in the installed package (`_lib/`), else the one scripts/setup built in a checkout."""
    candidates = [_HERE / "_lib" / LIBRARY_NAME]
    if (_CHECKOUT / "native" / "go.mod").is_file():
        candidates.append(_CHECKOUT / ".tools" / "lib" / LIBRARY_NAME)
    return next((path for path in candidates if path.is_file()), None)


class LibraryMissing(Exception):
    """The library is not installed, cannot be loaded, or cannot be used in this process."""


class Library:
    """Typed calls into the library; each returns the decoded JSON reply."""

    def __init__(self, path: Path) -> None:
        lib = ctypes.CDLL(str(path))
        # Replies are malloc'd C strings: kept as raw pointers so they can be handed back to bp_free.
        for name in ("bp_version", "bp_configure", "bp_compile", "bp_eval", "bp_stats"):
            getattr(lib, name).restype = ctypes.c_void_p
        lib.bp_configure.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lib.bp_compile.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lib.bp_eval.argtypes = [ctypes.c_uint64, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
        lib.bp_stats.argtypes = [ctypes.c_uint64]
        lib.bp_close.argtypes = [ctypes.c_uint64]
        lib.bp_close.restype = None
        lib.bp_free.argtypes = [ctypes.c_void_p]
        lib.bp_free.restype = None
        self._lib = lib
        self.path = path
        self._pid = os.getpid()

    def _same_process(self) -> None:
        # A call into a Go runtime inherited through fork() can hang forever; fail instead.
        if os.getpid() != self._pid:
            raise LibraryMissing(
                "the embedded OPA engine was loaded before this process was forked, and Go does not survive a fork"
            )

    def _reply(self, pointer: int | None) -> dict[str, Any]:
        if not pointer:
            raise MemoryError("the embedded OPA engine returned no reply")
        try:
            text = ctypes.string_at(pointer)
        finally:
            self._lib.bp_free(pointer)
        reply: dict[str, Any] = json.loads(text)
        return reply

    def version(self) -> dict[str, Any]:
        self._same_process()
        return self._reply(self._lib.bp_version())

    def configure(self, memory_limit: int) -> dict[str, Any]:
        """Bound the engine's memory (bytes, 0: none); an evaluation that passes it fails with MEMORY_LIMIT_CODE."""
        self._same_process()
        payload = json.dumps({"memory_limit": memory_limit}).encode()
        return self._reply(self._lib.bp_configure(payload, len(payload)))

    def compile(self, request: JSON) -> dict[str, Any]:
        self._same_process()
        payload = json.dumps(request).encode()
        return self._reply(self._lib.bp_compile(payload, len(payload)))

    def evaluate(self, policy: int, query: str, inputs: list[JSON]) -> dict[str, Any]:
        self._same_process()
        query_bytes = query.encode()
        payload = compact_json(inputs).encode()
        return self._reply(self._lib.bp_eval(policy, query_bytes, len(query_bytes), payload, len(payload)))

    def stats(self, policy: int) -> dict[str, Any]:
        """What a compiled policy shares across inputs (native/fold.go)."""
        self._same_process()
        return self._reply(self._lib.bp_stats(policy))

    def close(self, policy: int) -> None:
        if os.getpid() == self._pid:
            self._lib.bp_close(policy)


@functools.cache
def load() -> Library:
    path = library_path()
    if path is None:
        raise LibraryMissing(f"the embedded OPA engine ({LIBRARY_NAME}) is not built")
    try:
        library = Library(path)
    except OSError as error:
        raise LibraryMissing(f"the embedded OPA engine at {path} cannot be loaded: {error}") from None
    except AttributeError as error:  # a library built from older sources lacks a function
        raise LibraryMissing(f"the embedded OPA engine at {path} is out of date ({error}); rebuild it") from None
    try:
        # The first call waits for the Go runtime's start-up, which maps over a GB of address space: the limit
        # is computed after it, so that space counts as used under `ulimit -v` (engine/memory.py).
        library.version()
        library.configure(engine_memory_limit())
    except EngineUnavailable as error:
        raise LibraryMissing(str(error)) from None
    return library


def opa_version() -> str | None:
    """The OPA version inside the library (e.g. "1.17.1"), or None when it is not installed."""
    try:
        return str(load().version()["opa"])
    except LibraryMissing:
        return None


__all__ = ["LIBRARY_NAME", "Library", "LibraryMissing", "library_path", "load", "opa_version"]
