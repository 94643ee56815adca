"""A running OPA server spoken to over its REST API (`--opa-url`).

A server has one policy store, so compiled policies take turns: the one being evaluated is loaded
(PUT /v1/policies, PUT /v1/data/<key>) and the previous one removed. Use a server dedicated to the run;
v0 modules are rewritten to v1 because a server parses in its own (default v1) mode.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from boundary_policy.engine.base import (
    RESULT_VAR,
    EngineError,
    EngineUnavailable,
    Module,
    Outcome,
    RegoVersion,
    batch_query,
    error_from_json,
    evaluate_in_batches,
    kind_of_code,
)
from boundary_policy.model import JSON

_ids = itertools.count()


def _raise_for(response: httpx.Response, default_kind: str) -> None:
    if response.is_success:
        return
    try:
        body: Any = response.json()
    except ValueError:
        raise EngineError("eval", f"OPA server: HTTP {response.status_code}: {response.text.strip()}") from None
    errors = body.get("errors") or [body]
    first = errors[0]
    code = str(first.get("code", default_kind))
    raise error_from_json(kind_of_code(code), first)


class OpaServerPolicy:
    def __init__(
        self, engine: OpaServerEngine, modules: Sequence[Module], data: JSON, rego_version: RegoVersion
    ) -> None:
        self._engine = engine
        self._prefix = f"boundary-policy/{next(_ids)}"
        if rego_version == "v0":
            from boundary_policy.regov0 import v0_to_v1  # only v0 templates need it

            modules = [Module(m.name, v0_to_v1(m.source)) for m in modules]
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
        except EngineError as error:
            for policy_id in loaded:
                client.delete(f"/v1/policies/{quote(policy_id, safe='')}")
            if error.file and error.file.startswith(self._prefix + "/"):
                error.file = error.file.removeprefix(self._prefix + "/")
            raise

    def unload(self, client: httpx.Client) -> None:
        for module in self._modules:
            client.delete(f"/v1/policies/{quote(f'{self._prefix}/{module.name}', safe='')}")
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


class OpaServerEngine:
    name = "opa"

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.client = httpx.Client(base_url=self.url, timeout=timeout)
        self._active: OpaServerPolicy | None = None
        try:
            self.client.get("/health").raise_for_status()
        except httpx.HTTPError as error:
            self.client.close()
            raise EngineUnavailable(f"OPA server at {self.url} is not reachable: {error}") from None

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
