"""Memory is bounded per run, not per document (issue 12): 100 documents that each stay just under the
per-document alias limit took 1.8 GB before; now what aliases add is capped for the whole load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from boundary_policy.loading import LoadLimits, convert
from tests.loading.helpers import load, write


def bomb_document(index: int) -> str:
    """A ConfigMap whose aliases add about 90,000 nodes: under the per-document limit of 100,000."""
    a, b, c, d = (f"{letter}{index}" for letter in "abcd")
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb-{index}\ndata:\n"
        f"  a: &{a} [x, x, x, x, x, x, x, x, x, x]\n"
        f"  b: &{b} [{', '.join([f'*{a}'] * 10)}]\n"
        f"  c: &{c} [{', '.join([f'*{b}'] * 10)}]\n"
        f"  d: &{d} [{', '.join([f'*{c}'] * 10)}]\n"
        f"  e: [{', '.join([f'*{d}'] * 7)}]\n"
    )


BOMBS = "---\n".join(bomb_document(i) for i in range(100))


def test_many_small_bombs_share_one_budget(tmp_path: Path) -> None:
    write(tmp_path, "bombs.yaml", BOMBS)
    result = load(tmp_path, "bombs.yaml")
    assert 1 <= len(result.documents) <= 12  # 1,000,000 nodes for the whole run
    assert len(result.documents) + len(result.problems) == 100  # every other document is reported, none lost
    assert all("in all; this document's aliases are refused" in p.message for p in result.problems)
    # at the line where the first refused document starts (each is 10 lines and a '---')
    assert result.problems[0].line == len(result.documents) * 11 + 1
    write(tmp_path, "fewer.yaml", "---\n".join(bomb_document(i) for i in range(15)))
    unlimited = load(tmp_path, "fewer.yaml", limits=LoadLimits(max_alias_expansion_per_run=10**9))
    assert len(unlimited.documents) == 15  # each document alone is within the per-document limit


def test_the_run_stays_small(tmp_path: Path) -> None:
    write(tmp_path, "bombs.yaml", BOMBS)
    # VmHWM, the peak resident size of this process image (ru_maxrss would include the forking parent's).
    script = (
        "import json, pathlib, sys; from boundary_policy.loading import load_paths; "
        "r = load_paths([sys.argv[1]]); "
        "hwm = next(l for l in pathlib.Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM'));"
        "print(json.dumps([len(r.documents), int(hwm.split()[1])]))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "bombs.yaml")], capture_output=True, text=True, check=True
    )
    documents, peak_kib = json.loads(completed.stdout)
    assert documents < 100
    assert peak_kib < 400 * 1024, f"{peak_kib // 1024} MiB"  # 1.8 GiB with a budget per document only


def test_documents_share_their_field_paths_and_keys(tmp_path: Path) -> None:
    """The line index of every document holds a tuple per field: documents alike share them (and their keys)."""
    pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
    write(tmp_path, "pods.yaml", "---\n".join(pod.format(i=i) for i in range(2)))
    first, second = load(tmp_path, "pods.yaml").documents
    shared = {path: path for path in first.lines}
    assert all(shared[path] is path for path in second.lines)
    assert len(second.lines) == 9  # eight keys and one list item
    assert [k1 is k2 for k1, k2 in zip(first.obj, second.obj, strict=True)] == [True] * 4


def test_the_shared_paths_stay_bounded(tmp_path: Path) -> None:
    """A document with endless distinct keys (or very deep ones) cannot grow what is kept for sharing."""
    keys = "\n".join(f"  k{i}: v" for i in range(convert.PATHS_SHARED_AT_MOST + 10))
    deep = "".join(f"\n{'  ' * (depth + 1)}d{depth}:" for depth in range(convert.PATH_SHARED_DEPTH + 5)) + " x"
    write(
        tmp_path, "wide.yaml", f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n{keys}\ndeep:{deep}\n"
    )
    result = load(tmp_path, "wide.yaml")
    assert len(result.documents[0].lines) > convert.PATHS_SHARED_AT_MOST
    assert len(convert._PATHS) <= convert.PATHS_SHARED_AT_MOST
    assert all(len(path) <= convert.PATH_SHARED_DEPTH for path in convert._PATHS)
