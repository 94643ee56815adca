"""A running OPA server spoken to over its REST API (`--opa-url`).

A server has one policy store, so compiled policies take turns: the one being evaluated is loaded
(PUT /v1/policies, PUT /v1/data/<key>) and the previous one removed. Use a server dedicated to the run.

A server parses every module in its own Rego version (v1, or v0 when started with --v0-compatible), so it
runs templates of that version only. It cannot be given capabilities either: after loading, the modules
the server compiled are searched for calls to the builtins Gatekeeper disables (restrictions.py).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import httpx

from boundary_policy.engine import restrictions
from boundary_policy.engine.base import (
    RESULT_VAR,
    EngineError,
    EngineUnavailable,
    Module,
    Outcome,
    RegoVersion,
    batch_query,
    error_from_json,
    error_from_text,
    evaluate_in_batches,
    kind_of_code,
)
from boundary_policy.model import JSON

__all__ = ["OpaServerEngine", "OpaServerPolicy"]

_ids = itertools.count()


def _raise_for(response: httpx.Response, default_kind: str) -> None:
    if response.is_success:
        return
    try:
        body: Any = response.json()
    except ValueError:
        raise EngineError("eval", f"OPA server: HTTP {response.status_code}: {response.text.strip()}") from None
    errors = body.get("errors")
    if not errors:
        # Some refusals (an empty module) come as one message, "<file>:<row>: <code>: <text>".
        located = error_from_text("eval", str(body.get("message", "")))
        code = located.message.split(":")[0] if located.file else default_kind
        raise EngineError(kind_of_code(code), located.message, located.file, located.line or None)
    first = errors[0]
    raise error_from_json(kind_of_code(str(first.get("code", default_kind))), first)


class OpaServerPolicy:
    def __init__(
        self, engine: OpaServerEngine, modules: Sequence[Module], data: JSON, rego_version: RegoVersion
    ) -> None:
        self._engine = engine
        self._prefix = f"boundary-policy/{next(_ids)}"
        served = engine.rego_version()
        if rego_version != served:
            flag = "with" if rego_version == "v0" else "without"
            raise EngineError(
                "compile",
                f"the OPA server at {engine.url} parses Rego {served} and these modules are Rego {rego_version}: "
                f"use a server started {flag} --v0-compatible, or another engine",
            )
        self._modules = tuple(modules)
        self._data = data if isinstance(data, dict) else {}
        engine.activate(self)

    def load(self, client: httpx.Client) -> None:
        for key, value in self._data.items():
            _raise_for(client.put(f"/v1/data/{quote(key, safe='')}", json=value), "eval_error")
        # The server compiles on every PUT, so a module that calls into one not loaded yet fails; such
        # modules are put again after the others, until all are in or a round makes no progress.
        loaded: list[str] = []
        pending = list(self._modules)
        try:
            while pending:
                failed: list[Module] = []
                error: EngineError | None = None
                for module in pending:
                    policy_id = f"{self._prefix}/{module.name}"
                    response = client.put(
                        f"/v1/policies/{quote(policy_id, safe='')}",
                        content=module.source.encode(),
                        headers={"Content-Type": "text/plain"},
                    )
                    try:
                        _raise_for(response, "rego_compile_error")
                    except EngineError as raised:
                        if raised.kind == "parse":
                            raise
                        failed.append(module)
                        error = raised
                        continue
                    loaded.append(policy_id)
                if error is not None and len(failed) == len(pending):
                    raise error
                pending = failed
            self._refuse_disabled_builtins(client)
        except EngineError as error:
            for policy_id in loaded:
                client.delete(f"/v1/policies/{quote(policy_id, safe='')}")
            if error.file and error.file.startswith(self._prefix + "/"):
                error.file = error.file.removeprefix(self._prefix + "/")
            raise

    def _refuse_disabled_builtins(self, client: httpx.Client) -> None:
        for module in self._modules:
            response = client.get(f"/v1/policies/{quote(f'{self._prefix}/{module.name}', safe='')}")
            _raise_for(response, "eval_error")
            called = set(_called_functions(response.json()["result"]["ast"]))
            for name in restrictions.DISABLED_BUILTINS:
                if name in called:
                    raise EngineError(
                        "compile", restrictions.undefined_function(name), module.name, _call_line(module.source, name)
                    )

    def unload(self, client: httpx.Client) -> None:
        # The server refuses to delete a module others still import (it recompiles on every DELETE): delete
        # in rounds, as load() puts, so no module is left behind to clash with the next policy's packages.
        pending = list(self._modules)
        while pending:
            kept = [
                module
                for module in pending
                if not client.delete(f"/v1/policies/{quote(f'{self._prefix}/{module.name}', safe='')}").is_success
                and client.get(f"/v1/policies/{quote(f'{self._prefix}/{module.name}', safe='')}").is_success
            ]
            if len(kept) == len(pending):
                break
            pending = kept
        for key in self._data:
            client.delete(f"/v1/data/{quote(key, safe='')}")

    def evaluate(self, query: str, inputs: Sequence[JSON]) -> list[Outcome]:
        self._engine.activate(self)
        return evaluate_in_batches(lambda batch: self._eval_batch(query, batch), inputs)

    def _eval_batch(self, query: str, inputs: list[JSON]) -> list[list[JSON]]:
        response = self._engine.client.post("/v1/query", json={"query": batch_query(query), "input": {"batch": inputs}})
        try:
            _raise_for(response, "eval_error")
        except EngineError as error:
            if error.file and error.file.startswith(self._prefix + "/"):
                error.file = error.file.removeprefix(self._prefix + "/")
            raise
        result: list[list[JSON]] = response.json()["result"][0][RESULT_VAR]
        return result

    def close(self) -> None:
        self._engine.deactivate(self)


def _called_functions(node: JSON) -> Iterator[str]:
    """Names of the functions called in a module's AST as the server returns it (compiled: a user function is
    a full data ref by then, so a builtin's name cannot be a user's function)."""
    if isinstance(node, dict):
        terms = node.get("terms")
        if isinstance(terms, list) and terms:
            yield from _ref_name(terms[0])
        if node.get("type") == "call" and isinstance(node.get("value"), list) and node["value"]:
            yield from _ref_name(node["value"][0])
        for value in node.values():
            yield from _called_functions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _called_functions(value)


def _ref_name(term: JSON) -> Iterator[str]:
    if isinstance(term, dict) and term.get("type") == "ref" and isinstance(term.get("value"), list):
        parts = term["value"]
        if parts and parts[0].get("type") == "var" and all(p.get("type") == "string" for p in parts[1:]):
            yield ".".join(str(p["value"]) for p in parts)


# Comments and strings, skipped when looking for where a builtin is called.
_NOT_CODE = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|`[^`]*`')


def _call_line(source: str, name: str) -> int | None:
    """The line of the first call of builtin `name` in `source` (the server's AST carries no locations)."""
    call = re.compile(r"(?<![\w.])" + re.escape(name) + r"\(")
    position = 0
    for skipped in [*_NOT_CODE.finditer(source), None]:
        end = skipped.start() if skipped else len(source)
        found = call.search(source, position, end)
        if found:
            return source.count("\n", 0, found.start()) + 1
        if skipped is None:
            return None
        position = skipped.end()
    return None


class OpaServerEngine:
    name = "opa"

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        import httpx  # here, not at the top: only --opa-url needs it, and it costs every run about 0.1 s

        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, timeout=timeout)
        self._active: OpaServerPolicy | None = None
        self._rego_version: RegoVersion | None = None
        try:
            self.client.get("/health").raise_for_status()
        except httpx.HTTPError as error:
            self.client.close()
            raise EngineUnavailable(f"OPA server at {self.url} is not reachable: {error}") from None

    def rego_version(self) -> RegoVersion:
        """The Rego version the server parses modules in: a v1-only module is refused by a v0 server."""
        if self._rego_version is None:
            probe = f"/v1/policies/{quote('boundary-policy/probe', safe='')}"
            v1_only = b"package boundary_policy_probe\n\np if { true }\n"
            response = self.client.put(probe, content=v1_only, headers={"Content-Type": "text/plain"})
            self._rego_version = "v1" if response.is_success else "v0"
            if response.is_success:
                self.client.delete(probe)
        return self._rego_version

    def activate(self, policy: OpaServerPolicy) -> None:
        if self._active is policy:
            return
        if self._active is not None:
            self._active.unload(self.client)
            self._active = None
        policy.load(self.client)
        self._active = policy

    def deactivate(self, policy: OpaServerPolicy) -> None:
        if self._active is policy:
            policy.unload(self.client)
            self._active = None

    def compile(
        self, modules: Sequence[Module], data: JSON = None, *, rego_version: RegoVersion = "v1"
    ) -> OpaServerPolicy:
        return OpaServerPolicy(self, modules, data, rego_version)

    def close(self) -> None:
        if self._active is not None:
            self.deactivate(self._active)
        self.client.close()
