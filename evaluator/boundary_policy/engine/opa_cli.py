"""The `opa` binary: `opa check` to compile, one `opa eval` per batch of inputs.

Both run with Gatekeeper's restrictions (restrictions.py): a capabilities file without the disabled builtins,
and an empty environment, so nothing of the caller's environment reaches a template.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
    evaluate_in_batches,
    kind_of_code,
)
from boundary_policy.model import JSON

__all__ = ["OpaCliEngine", "OpaCliPolicy", "find_opa"]


def find_opa(opa_bin: str | None = None) -> str | None:
    """The `opa` to run: an explicit path, else the first `opa` on PATH."""
    found = (str(Path(opa_bin).resolve()) if Path(opa_bin).is_file() else shutil.which(opa_bin)) if opa_bin else None
    return found if opa_bin else shutil.which("opa")


def _run_opa(opa: str, args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # argv list, no shell; an empty environment so a template cannot read the caller's (opa.runtime().env).
    return subprocess.run([opa, *args], cwd=cwd, capture_output=True, text=True, check=False, env={})


class OpaCliPolicy:
    def __init__(
        self, opa: str, capabilities: JSON, modules: Sequence[Module], data: JSON, rego_version: RegoVersion
    ) -> None:
        self._opa = opa
        self._dir = tempfile.TemporaryDirectory(prefix="boundary-policy-opa-")
        self._workdir = Path(self._dir.name)
        (self._workdir / "capabilities.json").write_text(json.dumps(capabilities), encoding="utf-8")
        self._flags = ["--capabilities", "capabilities.json"]
        if rego_version == "v0":
            self._flags.append("--v0-compatible")
        self._load_args: list[str] = []
        # Files are named m<N>.rego: `opa` reads only *.rego files and takes `a:b` as a data path
        # mapping, so module names like `template` or `template:Kind` cannot be file names. Error
        # locations are mapped back to the module names.
        self._names: dict[str, str] = {}
        (self._workdir / "modules").mkdir()
        for index, module in enumerate(modules):
            relative = f"modules/m{index}.rego"
            (self._workdir / relative).write_text(module.source, encoding="utf-8")
            self._names[relative] = module.name
            self._load_args += ["-d", relative]
        if data is not None:
            (self._workdir / "data.json").write_text(json.dumps(data), encoding="utf-8")
            self._load_args += ["-d", "data.json"]
        try:
            self._check()
        except EngineError:
            self.close()
            raise

    def _run(self, args: list[str]) -> tuple[int, JSON]:
        completed = _run_opa(self._opa, args, self._workdir)
        # `opa eval` reports errors on stdout, `opa check` on stderr; both as JSON with --format json.
        text = completed.stdout.strip() or completed.stderr.strip() or "{}"
        try:
            return completed.returncode, json.loads(text)
        except json.JSONDecodeError:
            raise EngineError("eval", f"opa failed: {completed.stderr.strip() or completed.stdout.strip()}") from None

    def _raise_first(self, output: JSON, default_kind: str) -> None:
        errors = output.get("errors") or []
        first = errors[0] if errors else {"code": default_kind, "message": json.dumps(output)}
        error = error_from_json(kind_of_code(str(first.get("code", ""))), first)
        if error.file:
            error.file = self._names.get(error.file, error.file)
        raise error

    def _check(self) -> None:
        modules = [arg for arg in self._load_args if arg.startswith("modules/")]
        if not modules:
            return
        code, output = self._run(["check", "--format", "json", *self._flags, *modules])
        if code != 0:
            self._raise_first(output, "rego_compile_error")

    def evaluate(self, query: str, inputs: Sequence[JSON]) -> list[Outcome]:
        return evaluate_in_batches(lambda batch: self._eval_batch(query, batch), inputs)

    def _eval_batch(self, query: str, inputs: list[JSON]) -> list[list[JSON]]:
        batch_file = self._workdir / "batch.json"
        batch_file.write_text(json.dumps({"batch": inputs}), encoding="utf-8")
        code, output = self._run(
            [
                "eval",
                "--format",
                "json",
                *self._flags,
                *self._load_args,
                "--input",
                "batch.json",
                batch_query(query),
            ]
        )
        if code != 0 or "errors" in output:
            self._raise_first(output, "eval_error")
        result: list[list[JSON]] = output["result"][0]["bindings"][RESULT_VAR]
        return result

    def close(self) -> None:
        self._dir.cleanup()


class OpaCliEngine:
    name = "opa"

    def __init__(self, opa_bin: str | None = None) -> None:
        found = find_opa(opa_bin)
        if found is None:
            raise EngineUnavailable(
                f"`{opa_bin}` not found" if opa_bin else "no `opa` binary on PATH (use --opa-bin PATH)"
            )
        self.binary = found
        self._capabilities: JSON = None
        self._check_is_opa()

    def _check_is_opa(self) -> None:
        """Refuse at once, in one line, a binary that is not OPA (else every template fails with its output)."""
        try:
            completed = _run_opa(self.binary, ["version"])
        except OSError as error:
            raise EngineUnavailable(f"`{self.binary}` cannot be run: {error.strerror or error}") from None
        if completed.returncode != 0 or not completed.stdout.startswith("Version: "):
            said = (completed.stderr.strip() or completed.stdout.strip()).splitlines()[:1]
            detail = f" (it said: {said[0][:200]})" if said else ""
            raise EngineUnavailable(
                f"`{self.binary}` is not an OPA binary: `{self.binary} version` did not print its version{detail}"
            )

    def capabilities(self) -> JSON:
        """This binary's own capabilities without the builtins Gatekeeper disables (asked once)."""
        if self._capabilities is None:
            completed = _run_opa(self.binary, ["capabilities", "--current"])
            try:
                self._capabilities = restrictions.capabilities(json.loads(completed.stdout))
            except (json.JSONDecodeError, AttributeError):
                message = completed.stderr.strip() or completed.stdout.strip()
                raise EngineError("compile", f"`{self.binary} capabilities --current` failed: {message}") from None
        return self._capabilities

    def compile(
        self, modules: Sequence[Module], data: JSON = None, *, rego_version: RegoVersion = "v1"
    ) -> OpaCliPolicy:
        return OpaCliPolicy(self.binary, self.capabilities(), modules, data, rego_version)

    def close(self) -> None:
        pass
