"""`--jobs`: capped, and a worker that dies fails the run with exit 2 instead of leaving it waiting forever, which is
what multiprocessing.Pool did (issue 12)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from boundary_policy.loading.sources import Source
from boundary_policy.pipeline import _read_once, _workload_file
from boundary_policy.workers import (
    AUTO,
    MAX_JOBS,
    PROGRESS_EVERY,
    WorkerDied,
    advance,
    job_count,
    jobs_setting,
    run_chunks,
    usable_cpus,
)
from tests.cli.test_eval import EXAMPLES, ROOT, run


def test_jobs_are_capped_by_cpus_and_work() -> None:
    cpus = usable_cpus()
    assert job_count(10_000, 1_000_000) == min(cpus, MAX_JOBS) == job_count(AUTO, 1_000_000)
    assert job_count(8, 120) == min(2, cpus) == job_count(AUTO, 120)  # no more than one worker per 50 resources
    assert job_count(8, 10) == 1 == job_count(AUTO, 10)


def test_auto_stays_in_one_process_where_fork_is_not_usual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert job_count(AUTO, 1_000_000) == 1
    assert job_count(2, 1_000_000) == min(2, usable_cpus())


def test_a_cgroup_cpu_quota_caps_the_cpus(tmp_path: Path) -> None:
    """A container limited to 1.5 CPUs on a large machine gets 2 workers, not one per host CPU."""
    cpu_max = tmp_path / "cpu.max"
    affinity = len(os.sched_getaffinity(0))
    cpu_max.write_text("150000 100000\n")
    assert usable_cpus(cpu_max) == min(2, affinity)
    cpu_max.write_text("max 100000\n")
    assert usable_cpus(cpu_max) == affinity
    cpu_max.write_text("garbage")
    assert usable_cpus(cpu_max) == affinity
    assert usable_cpus(tmp_path / "absent") == affinity


def test_jobs_are_auto_or_a_count() -> None:
    assert jobs_setting("auto") == AUTO == jobs_setting("AUTO")
    assert jobs_setting("3") == 3
    for bad in ("0", "-1", "two", "1.5", "", "²"):
        with pytest.raises(ValueError, match="auto or a whole number"):
            jobs_setting(bad)


def test_a_bad_jobs_option_is_a_usage_error() -> None:
    result = run("eval", str(EXAMPLES / "manifests"), "--jobs", "0")
    assert result.returncode == 2 and "'0' is not auto or a whole number of at least 1" in result.stderr


def _die(chunk: tuple[int, int]) -> int:
    if chunk[0] > 0:
        os.kill(os.getpid(), signal.SIGKILL)
    return chunk[1] - chunk[0]


def test_a_killed_worker_is_an_error_not_a_hang() -> None:
    started = time.monotonic()
    with pytest.raises(WorkerDied, match="died before it finished"):
        run_chunks(_die, 100, 2)
    assert time.monotonic() - started < 30


def test_results_come_back_in_chunk_order() -> None:
    assert run_chunks(lambda chunk: chunk, 10, 3) == [(0, 4), (4, 8), (8, 10)]


def _slowly(chunk: tuple[int, int]) -> int:
    for _ in range(*chunk):
        time.sleep(0.02)
        advance(1)
    return chunk[1] - chunk[0]


def test_progress_sees_the_workers_shared_count() -> None:
    """Each worker adds what it has done to one count; the parent sees it grow while they run."""
    seen: list[int] = []
    assert run_chunks(_slowly, 60, 2, seen.append) == [30, 30]
    assert seen == sorted(seen) and seen[-1] == 60
    assert any(0 < count < 60 for count in seen)  # 30 items a worker, 0.6 s, looked at every PROGRESS_EVERY
    assert len(seen) >= 0.6 / PROGRESS_EVERY - 1


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def test_eval_exits_2_when_a_worker_is_killed(tmp_path: Path) -> None:
    workload = (EXAMPLES / "manifests" / "01-al2023-net-admin-nonroot.yaml").read_text(encoding="utf-8")
    many = "\n---\n".join(workload.replace("coder-alice", f"coder-{i}") for i in range(400))
    (tmp_path / "many.yaml").write_text(many, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "boundary_policy", "eval", str(tmp_path / "many.yaml"), "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
        workers = _children(process.pid)
    if not workers:
        process.kill()
        pytest.fail(f"no worker started (one CPU?): {process.communicate()}")
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, (stdout, stderr)
    assert stderr.strip().splitlines() == [
        "boundary-policy: error: a worker process of --jobs died before it finished (killed, or out of memory?); "
        "run again with fewer --jobs"
    ]


@pytest.mark.opa
def test_an_opa_server_with_jobs_loses_nothing(tmp_path: Path, opa_server: str) -> None:
    """One OPA server holds one policy at a time: workers sharing it deleted each other's modules (36 errors with
    -j 1, none with -j 4). With --opa-url the reviews stay in one process, whatever --jobs says."""
    workload = (EXAMPLES / "manifests" / "06-bottlerocket-userns-off.yaml").read_text(encoding="utf-8")
    many = "\n---\n".join(workload.replace("coder-dave", f"coder-{i}") for i in range(110))
    (tmp_path / "many.yaml").write_text(many, encoding="utf-8")
    base = ("eval", str(tmp_path / "many.yaml"), "--inventory", str(EXAMPLES / "inventory"), "-o", "json")
    one = run(*base, "--opa-url", opa_server, "--jobs", "1")
    four = run(*base, "--opa-url", opa_server, "--jobs", "4")
    assert one.returncode == four.returncode == 1, (one.stderr, four.stderr)
    assert '"error": 110' in one.stdout
    assert one.stdout == four.stdout


def _workloads(directory: Path, files: int, per_file: int) -> None:
    """`files` workload-only files of `per_file` Pods each (what the parent leaves to the workers)."""
    directory.mkdir(parents=True, exist_ok=True)
    pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: team\nspec:\n  containers:\n  - name: c\n"
    for file in range(files):
        docs = [pod.format(i=file * per_file + i) + "    image: nginx\n" for i in range(per_file)]
        (directory / f"pods-{file:02d}.yaml").write_text("---\n".join(docs), encoding="utf-8")


def test_files_read_by_the_workers_give_the_report_of_one_process(tmp_path: Path) -> None:
    """Workload-only files are parsed by the worker that reviews them (pipeline._workload_file); everything else
    first, in the parent. The report is byte-identical to one process's, a syntax error in such a file included
    (with its line, and the documents after it unread, as in one process)."""
    _workloads(tmp_path / "m", 6, 30)
    (tmp_path / "m" / "pods-02.yaml").write_text(
        (tmp_path / "m" / "pods-02.yaml").read_text(encoding="utf-8")
        + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
        encoding="utf-8",
    )
    broken = tmp_path / "m" / "pods-02.yaml"
    assert _workload_file(Source(str(broken), broken.read_text(encoding="utf-8"))) == 31  # left to a worker
    examples = sorted((EXAMPLES / "manifests").glob("*.yaml"))
    for example in examples:
        (tmp_path / "m" / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    base = ("eval", str(tmp_path / "m"), "--inventory", str(EXAMPLES / "inventory"), "-o", "json")
    one, two = run(*base, "--jobs", "1"), run(*base, "--jobs", "2")
    assert (one.returncode, two.returncode) == (1, 1), (one.stderr, two.stderr)
    assert two.stdout == one.stdout
    report = json.loads(one.stdout)
    assert report["summary"]["resources"] >= 180
    syntax = [f for f in report["findings"] if f["file"].endswith("pods-02.yaml") and f.get("line")]
    # 30 Pods of 9 lines and 29 `---` make 299 lines; the broken document's mapping ends the file at line 304.
    assert syntax and syntax[0]["line"] == 304, syntax


def test_a_template_that_syncs_workloads_keeps_their_files_in_the_parent(tmp_path: Path) -> None:
    """When a template syncs a workload kind, data.inventory needs those objects before any review: the deferred
    files are then read in the parent (the Deployment below must be in data.inventory for the message)."""
    _workloads(tmp_path / "m", 4, 30)
    fixture = ROOT / "tests" / "fixtures" / "gatekeeper" / "inventory" / "template.yaml"
    (tmp_path / "m" / "template.yaml").write_text(fixture.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "m" / "constraint.yaml").write_text(
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sInventory\nmetadata:\n  name: inventory\n",
        encoding="utf-8",
    )
    (tmp_path / "m" / "web.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: team\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: c\n        image: nginx\n",
        encoding="utf-8",
    )
    base = ("eval", str(tmp_path / "m"), "--inventory", str(EXAMPLES / "inventory"), "-o", "json")
    one, two = run(*base, "--jobs", "1"), run(*base, "--jobs", "2")
    assert two.stdout == one.stdout, (one.stderr, two.stderr)
    messages = {f["message"] for f in json.loads(two.stdout)["findings"]}
    assert 'namespace team has deployments ["web"]' in messages, sorted(messages)[:5]


@pytest.mark.parametrize(
    "odd",
    [
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\rkind: ConfigMap\n",  # a lone CR is a line break
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\u2028---\u2028apiVersion: v1\u2028kind: Namespace\n",
        "apiVersion: v1\nkind: Pod\n  Extra\nmetadata:\n  name: x\n",  # the kind "Pod Extra"
    ],
)
def test_a_file_whose_lines_the_prescan_cannot_see_is_read_as_in_one_process(tmp_path: Path, odd: str) -> None:
    """YAML breaks lines where the prescan's regular expressions do not look, and goes on with a plain value over
    indented lines: such a file stays with the parent, and --jobs 2 reports what --jobs 1 does (it used to stop
    with an internal error when a worker found the file was not workloads only)."""
    _workloads(tmp_path / "m", 4, 30)
    (tmp_path / "m" / "z-odd.yaml").write_text(odd, encoding="utf-8", newline="")
    base = ("eval", str(tmp_path / "m"), "--inventory", str(EXAMPLES / "inventory"), "-o", "json")
    one, two = run(*base, "--jobs", "1"), run(*base, "--jobs", "2")
    assert one.returncode in (0, 1), one.stderr
    assert (two.returncode, two.stdout) == (one.returncode, one.stdout), (one.stderr, two.stderr)
    assert json.loads(one.stdout)["summary"]["resources"] >= 120


def _aliased_pod(index: int) -> str:
    """A Pod whose aliases add about 92,000 nodes: under the 100,000 of one document, and six of them (552,648)
    under the 1,000,000 of a run but over half of it."""
    nine = "[" + ",".join(["0"] * 9) + "]"
    tens = [f"[{','.join([f'*{name}'] * 10)}]" for name in "abc"]
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: aliased-{index}\n  namespace: team\nspec:\n  x:\n"
        f"    a: &a {nine}\n    b: &b {tens[0]}\n    c: &c {tens[1]}\n    d: &d {tens[2]}\n"
        f"    e: [{','.join(['*d'] * 8)}]\n  containers:\n  - name: c\n    image: nginx\n"
    )


@pytest.mark.parametrize(("pods", "config_maps"), [(6, 0), (12, 0), (6, 6)])
def test_yaml_aliases_spend_the_run_budget_as_in_one_process(tmp_path: Path, pods: int, config_maps: int) -> None:
    """A file with anchors may be left to a worker. Under the run's budget (6 such Pods, 552,648 nodes) the workers
    each spend from what is left and the parent adds it up; over it (12 Pods in the workers' files, or 6 Pods and 6
    ConfigMaps read before them in the parent), one process would have refused documents in input order, so the
    manifests are read again in one process: the report is --jobs 1's either way (it used to differ: each worker
    had half of what was left, and files left to the workers were charged after all the others)."""
    _workloads(tmp_path / "m", 4, 30)
    aliased = tmp_path / "m" / "a-aliased.yaml"
    aliased.write_text("---\n".join(_aliased_pod(i) for i in range(pods)), encoding="utf-8")
    assert _workload_file(Source(str(aliased), aliased.read_text(encoding="utf-8"))) == pods
    if config_maps:
        (tmp_path / "m" / "b-config-maps.yaml").write_text(
            "---\n".join(_aliased_pod(i).replace("kind: Pod", "kind: ConfigMap") for i in range(config_maps)),
            encoding="utf-8",
        )
    base = ("eval", str(tmp_path / "m"), "--inventory", str(EXAMPLES / "inventory"), "-o", "json")
    one, two = run(*base, "--jobs", "1"), run(*base, "--jobs", "2")
    assert (two.returncode, two.stdout) == (one.returncode, one.stdout), (one.stderr, two.stderr)
    refused = [f for f in json.loads(one.stdout)["findings"] if "aliases" in f["message"]]
    assert len(refused) == (0 if pods + config_maps <= 6 else pods + config_maps - 10), refused


def _over_the_alias_budget(directory: Path) -> None:
    """Workloads enough for two workers, and aliases over the run's budget: 6 Pods left to the workers, then 6
    ConfigMaps read in the parent (so that one process would refuse other documents: _AliasOrder)."""
    _workloads(directory, 4, 30)
    (directory / "a-aliased.yaml").write_text("---\n".join(_aliased_pod(i) for i in range(6)), encoding="utf-8")
    (directory / "b-config-maps.yaml").write_text(
        "---\n".join(_aliased_pod(i).replace("kind: Pod", "kind: ConfigMap") for i in range(6)), encoding="utf-8"
    )


@pytest.mark.parametrize("option", ["PATHS", "--constraints"])
def test_standard_input_is_read_once_when_the_manifests_are_read_again(tmp_path: Path, option: str) -> None:
    """Reading the manifests a second time (_AliasOrder) cannot read standard input again: with '-' anywhere no
    file is left to the workers, and what came on standard input counts as it does in one process."""
    _over_the_alias_budget(tmp_path / "m")
    inventory = ("--inventory", str(EXAMPLES / "inventory"))
    args: tuple[str, ...]
    if option == "PATHS":
        args = ("eval", "-", str(tmp_path / "m"), *inventory, "-o", "json")
        stdin = (EXAMPLES / "manifests" / "13-invalid-jail-type.yaml").read_text(encoding="utf-8")
    else:
        manifests = (str(tmp_path / "m"), str(EXAMPLES / "manifests"))
        args = ("eval", *manifests, *inventory, "--constraints", "-", "-o", "json")
        bundled = (ROOT / "gatekeeper" / "constraints" / "bnd001.yaml").read_text(encoding="utf-8")
        stdin = bundled.replace("enforcementAction: deny", "enforcementAction: warn")
    one, two = run(*args, "--jobs", "1", stdin=stdin), run(*args, "--jobs", "2", stdin=stdin)
    assert (two.returncode, two.stdout) == (one.returncode, one.stdout), (one.stderr, two.stderr)
    bnd001 = [f for f in json.loads(one.stdout)["findings"] if f["rule"] == "BND001"]
    if option == "PATHS":
        assert any(f["file"] == "<stdin>" for f in bnd001), bnd001
    else:
        assert bnd001 and {f["severity"] for f in bnd001} == {"warning"}, bnd001


def test_the_cluster_is_read_once_per_run() -> None:
    """When the manifests are read again (_AliasOrder), the cluster inventory read for the first evaluation is
    used again: not asked for twice, nor reported twice on stderr."""
    calls: list[tuple[object, ...]] = []

    def read(kinds: Sequence[object]) -> list[object]:
        calls.append(tuple(kinds))
        return []

    once = _read_once(read)  # type: ignore[arg-type]
    assert once([("", "v1", "Node")]) == once([("", "v1", "Node")]) == []
    assert calls == [(("", "v1", "Node"),)]
