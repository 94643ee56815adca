"""A seeded fuzz test (issue 12): mutated manifests, inventories and gator Suites through the real commands, in
process, for a few seconds each. Whatever the input, a command ends with exit code 0, 1 or 2, never an exception
(a traceback), and a report it writes is valid: JSON against the version 1 schema, SARIF against the OASIS schema,
JUnit as XML. A failure prints the seed and the case, so it can be replayed with FUZZ_SEED."""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from boundary_policy.cli import cli
from tests.reporters.test_json import VALIDATOR as JSON_REPORT
from tests.reporters.test_sarif import VALIDATOR as SARIF

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SUITE = ROOT / "gatekeeper" / "suites" / "bnd010"
SEED = int(os.environ.get("FUZZ_SEED", "20260712"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "6"))

TOKENS = [
    "&a ",
    "*a",
    "<<: *a",
    "---\n",
    "{",
    "}",
    "[",
    "]",
    ": ",
    "- ",
    "\t",
    "\x00",
    "\ufeff",
    "\x1b[31m",
    '"\\ud83d"',
    "\\ud800",
    "9" * 5000,
    "1e999",
    ".nan",
    "!!binary x",
    "!!python/object:os.system",
    "~",
    "\n::error::injected\n",
    "##[error]x",
    "apiVersion: v1\nkind: Pod\n",
    "kind: List\nitems: [",
    "'",
    '"',
    "\u202e",
    "metadata:\n  labels: [a, b]\n",
    "spec:\n  taints: x\n",
    "  namespace: team-a\n",
]


def _mutate(text: str, rng: random.Random) -> str:
    """A few random edits: flip, drop or repeat a slice, insert a token, truncate."""
    for _ in range(rng.randint(1, 4)):
        if not text:
            text = rng.choice(TOKENS)
            continue
        at = rng.randrange(len(text))
        choice = rng.random()
        if choice < 0.3:
            text = text[:at] + rng.choice(TOKENS) + text[at:]
        elif choice < 0.5:
            text = text[:at] + text[at + rng.randint(1, 40) :]
        elif choice < 0.65:
            end = min(len(text), at + rng.randint(1, 200))
            text = text[:end] + text[at:end] * rng.randint(1, 5) + text[end:]
        elif choice < 0.8:
            text = text[:at] + chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0x10FFFF)])) + text[at + 1 :]
        elif choice < 0.9:
            lines = text.splitlines(keepends=True)
            rng.shuffle(lines)
            text = "".join(lines)
        else:
            text = text[:at]
    return text


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def _check_report(result: Result, output: str) -> None:
    if result.exit_code not in (0, 1):
        return
    if output == "json":
        JSON_REPORT.validate(json.loads(result.stdout))
    elif output == "sarif":
        SARIF.validate(json.loads(result.stdout))
    elif output == "junit":
        ET.fromstring(result.stdout)


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args, catch_exceptions=True)


def _assert_clean(result: Result, case: str) -> None:
    assert result.exit_code in (0, 1, 2), f"{case}: exit {result.exit_code}\n{result.output}"
    exception = result.exception
    assert exception is None or isinstance(exception, SystemExit), f"{case}: {exception!r}"
    assert "Traceback" not in result.output, case


def _fuzz(tmp_path: Path, one_case: Callable[[random.Random, Path, int], None]) -> int:
    rng = random.Random(SEED)
    deadline = time.monotonic() + SECONDS
    cases = 0
    while time.monotonic() < deadline:
        directory = tmp_path / f"case-{cases}"
        directory.mkdir()
        one_case(rng, directory, cases)
        shutil.rmtree(directory)
        cases += 1
    return cases


def test_fuzzed_manifests_and_inventories(tmp_path: Path) -> None:
    manifests = sorted((EXAMPLES / "manifests").glob("*.yaml"))
    inventories = [*sorted((EXAMPLES / "inventory").iterdir())]

    def one_case(rng: random.Random, directory: Path, number: int) -> None:
        manifest = directory / "m.yaml"
        manifest.write_bytes(_encode(_mutate(rng.choice(manifests).read_text(encoding="utf-8"), rng)))
        inventory = directory / f"inv{rng.choice(inventories).suffix}"
        source = rng.choice(inventories).read_text(encoding="utf-8")
        inventory.write_bytes(_encode(_mutate(source, rng) if rng.random() < 0.5 else source))
        output = rng.choice(["json", "sarif", "junit", "text", "github"])
        args = ["eval", str(manifest), "--inventory", str(inventory), "-o", output]
        result = _run(args)
        case = f"seed {SEED} case {number}: {' '.join(args)}"
        _assert_clean(result, case)
        _check_report(result, output)

    assert _fuzz(tmp_path, one_case) >= 3


def test_fuzzed_suites(tmp_path: Path) -> None:
    suite_text = (SUITE / "suite.yaml").read_text(encoding="utf-8")
    samples = sorted((SUITE / "samples").glob("*.yaml"))

    def one_case(rng: random.Random, directory: Path, number: int) -> None:
        shutil.copytree(SUITE, directory / "bnd010")
        for name in ("templates", "constraints"):
            shutil.copytree(ROOT / "gatekeeper" / name, directory / name)
        shutil.copy(ROOT / "gatekeeper" / "expansion.yaml", directory / "expansion.yaml")
        target = directory / "bnd010" / "suite.yaml"
        target.write_bytes(_encode(_mutate(suite_text, rng)))
        sample = directory / "bnd010" / "samples" / rng.choice(samples).name
        sample.write_bytes(_encode(_mutate(sample.read_text(encoding="utf-8"), rng)))
        result = _run(["verify", str(directory / "bnd010")])
        _assert_clean(result, f"seed {SEED} case {number}: verify")

    assert _fuzz(tmp_path, one_case) >= 2


@pytest.mark.parametrize("seed_text", ["", "---\n---\n", "\ufeff", "{}", "[]", "null", "\x00"])
def test_degenerate_inputs(tmp_path: Path, seed_text: str) -> None:
    manifest = tmp_path / "m.yaml"
    manifest.write_bytes(_encode(seed_text))
    for output in ("json", "sarif", "junit"):
        result = _run(["eval", str(manifest), "-o", output])
        _assert_clean(result, repr(seed_text))
        _check_report(result, output)
