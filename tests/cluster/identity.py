"""The cluster against `boundary-policy eval` on the same files.

A `Group` is manifests plus the inventory they are judged with. For a group the cluster gets the inventory as
real objects (and the manifests' own ConfigMaps, stored first, as `eval` reads them into the inventory too);
then every other manifest object is sent as a server-side dry-run, and the webhook's answer — denied, warned
or allowed, the denial's messages and the warnings — must be what eval's deny and warn findings say. Then
every object the webhook admits is created for real, and the violations the first audit run started after
that reports on it (read from Gatekeeper's log: tests/cluster/audit_log.py) must be eval's findings of every
severity, dryrun included, with messages cut to 256 bytes as audit cuts them.

eval gets the group's files, plus one file of what else the cluster's synced kinds hold (its system
namespaces, the namespaces the objects live in, Gatekeeper's own Secret): that is in Gatekeeper's
`data.inventory` too, and in a real cluster an exported inventory carries it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.cluster.api import GATEKEEPER_DENIAL, Admission
from tests.cluster.audit_log import AuditRun
from tests.cluster.harness import ROOT, Cluster, constraints
from tests.cluster.inventory import Inventory, cluster_objects, key, read_objects, wait_for_sync
from tests.identity.suite_batches import bundled_suites

JSON = dict[str, Any]
INVENTORY_KINDS = {"Node", "Namespace", "ConfigMap", "Secret", "NodePool", "EC2NodeClass"}
AUDIT_MESSAGE_BYTES = 256  # Gatekeeper's audit keeps this much of a message in a Constraint's status


@dataclass(frozen=True)
class Case:
    """One object of a manifest file."""

    file: Path
    index: int
    obj: JSON

    @property
    def resource(self) -> tuple[str, str, str]:
        metadata = self.obj["metadata"]
        return (self.obj["kind"], metadata.get("namespace") or "", metadata["name"])

    @property
    def shown_path(self) -> str:
        """The path as eval reports it: relative to the working directory (the repository) when inside it."""
        return self.file.relative_to(ROOT).as_posix() if self.file.is_relative_to(ROOT) else str(self.file)

    @property
    def label(self) -> str:
        kind, namespace, name = self.resource
        return f"{self.shown_path}#{self.index} {kind} {namespace}/{name}"


@dataclass(frozen=True)
class Group:
    name: str
    inventory: tuple[Path, ...]
    manifests: tuple[Path, ...]
    constraints: tuple[Path, ...] = ()

    def objects(self) -> list[Case]:
        return [Case(path, index, obj) for path in self.manifests for index, obj in enumerate(read_objects(path))]

    def stored(self) -> list[JSON]:
        """Inventory kinds among the manifests: created before the dry-runs, as eval reads them as inventory."""
        return [case.obj for case in self.objects() if case.obj["kind"] in INVENTORY_KINDS]

    def cases(self) -> list[Case]:
        return [case for case in self.objects() if case.obj["kind"] not in INVENTORY_KINDS]

    def inventory_objects(self) -> list[JSON]:
        return [obj for path in self.inventory for obj in read_objects(path)]


def suite_groups() -> tuple[list[Group], list[Path]]:
    """Every object of the bundled suites, grouped by the inventory its cases use, and the suites' own
    Constraints (those outside gatekeeper/constraints), which every group is judged with too."""
    objects: dict[tuple[Path, ...], list[Path]] = {}
    extra_constraints: list[Path] = []
    for suite in bundled_suites():
        base = suite.file.parent
        for test in suite.tests:
            if test.skip or test.invalid:
                continue
            constraint = (base / test.constraint).resolve()
            if constraint.parent.name != "constraints" and constraint not in extra_constraints:
                extra_constraints.append(constraint)
            for case in test.cases:
                if case.skip:
                    continue
                inventory = tuple(sorted((base / p).resolve() for p in case.inventory))
                found = objects.setdefault(inventory, [])
                path = (base / case.object).resolve()
                if path not in found:
                    found.append(path)
    groups = [
        Group("+".join(p.stem for p in inventory) or "no-inventory", inventory, tuple(paths), tuple(extra_constraints))
        for inventory, paths in objects.items()
    ]
    return groups, extra_constraints


@dataclass(frozen=True)
class Verdict:
    """An admission answer in comparable form: the outcome, the denial's messages, the warnings."""

    outcome: str  # denied | warned | allowed | "refused: <message>" (by something other than Gatekeeper)
    denials: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def show(self) -> str:
        lines = [self.outcome, *(f"  deny {m}" for m in self.denials), *(f"  warn {m}" for m in self.warnings)]
        return "\n".join(lines)


def verdict_of_findings(findings: Iterable[JSON]) -> Verdict:
    """What the webhook answers for these eval findings: deny findings are the denial, warn findings warnings."""
    denials, warnings = [], []
    for finding in findings:
        text = f"[{finding['constraint']['name']}] {finding['message']}"
        if finding["enforcementAction"] == "deny":
            denials.append(text)
        elif finding["enforcementAction"] == "warn":
            warnings.append(text)
    outcome = "denied" if denials else "warned" if warnings else "allowed"
    return Verdict(outcome, tuple(sorted(denials)), tuple(sorted(warnings)))


def verdict_of_admission(admission: Admission, constraint_names: Iterable[str]) -> Verdict:
    """The webhook's answer. Gatekeeper joins its denials with newlines, each `[<constraint>] <message>`;
    warnings from anything but Gatekeeper (none are expected for the exempt admin) are left out."""
    names = "|".join(re.escape(name) for name in sorted(constraint_names, key=len, reverse=True))
    own = re.compile(rf"^\[(?:{names})\] ", re.DOTALL)
    warnings = tuple(sorted(w for w in admission.warnings if own.match(w)))
    if admission.allowed:
        return Verdict("warned" if warnings else "allowed", (), warnings)
    if not admission.denied_by_gatekeeper:
        return Verdict(f"refused: HTTP {admission.status} {admission.message}", (), warnings)
    text = admission.message[len(GATEKEEPER_DENIAL) :]
    denials = re.split(rf"\n(?=\[(?:{names})\] )", text)
    return Verdict("denied", tuple(sorted(denials)), warnings)


def judged(cluster: Cluster, obj: JSON, user: bool = False) -> Admission:
    """A dry-run Gatekeeper's webhooks really answered (sent again while they time out and fail open)."""
    answer, failed_open = cluster.admit_judged(obj, user=user)
    assert answer is not None, f"every dry-run of {key(obj)} timed out in a webhook and failed open ({failed_open}x)"
    return answer


def audit_message(message: str) -> str:
    """A message as Gatekeeper's audit stores it: cut to 253 bytes plus "..." when longer than 256 bytes (Go
    slices bytes; JSON then writes each byte of a cut UTF-8 sequence as U+FFFD)."""
    raw = message.encode()
    if len(raw) <= AUDIT_MESSAGE_BYTES:
        return message
    cut = raw[: AUDIT_MESSAGE_BYTES - 3].decode("utf-8", errors="surrogateescape")
    return re.sub("[\udc80-\udcff]", "\ufffd", cut) + "..."


AuditKey = tuple[str, str, str, str, str, str, str]
"""(constraint kind, constraint name, resource kind, namespace, name, message, enforcementAction)."""


def audit_of_findings(findings: Iterable[JSON]) -> Counter[AuditKey]:
    found: Counter[AuditKey] = Counter()
    for finding in findings:
        resource, constraint = finding["resource"], finding["constraint"]
        found[
            (
                constraint["kind"],
                constraint["name"],
                resource["kind"],
                resource["namespace"] or "",
                resource["name"],
                audit_message(finding["message"]),
                finding["enforcementAction"],
            )
        ] += 1
    return found


def audit_violations(run: AuditRun, resources: set[tuple[str, str, str]]) -> Counter[AuditKey]:
    """The run's violations on the given (kind, namespace, name)."""
    found: Counter[AuditKey] = Counter()
    for violation, _ in run.violations:
        if (violation[2], violation[3], violation[4]) in resources:
            found[violation] += 1
    return found


# --- eval ---------------------------------------------------------------------------------------------


def run_eval(paths: Sequence[Path], inventory: Sequence[Path], constraint_files: Sequence[Path] = ()) -> list[JSON]:
    """`boundary-policy eval -o json` (the default, embedded engine) and its findings."""
    args = [sys.executable, "-m", "boundary_policy", "eval", *(str(p) for p in paths), "-o", "json"]
    for path in inventory:
        args += ["--inventory", str(path)]
    for path in constraint_files:
        args += ["--constraints", str(path)]
    completed = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    if completed.returncode not in (0, 1):
        raise AssertionError(f"eval failed ({completed.returncode}): {completed.stderr}")
    report: JSON = json.loads(completed.stdout)
    findings: list[JSON] = report["findings"]
    return findings


def findings_of(case: Case, findings: Iterable[JSON]) -> list[JSON]:
    path = case.shown_path
    kind, namespace, name = case.resource
    return [
        f
        for f in findings
        if f["file"] == path
        and (f["resource"]["kind"], f["resource"]["namespace"] or "", f["resource"]["name"]) == (kind, namespace, name)
    ]


# --- one group ----------------------------------------------------------------------------------------


@dataclass
class GroupResult:
    admission: dict[str, tuple[Verdict, Verdict]] = field(default_factory=dict)  # label -> (eval, cluster)
    audit: dict[str, tuple[Counter[AuditKey], Counter[AuditKey]]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    failed_open: int = 0  # dry-runs sent again because a Gatekeeper webhook timed out (failurePolicy: Ignore)

    def admission_differences(self) -> list[str]:
        return [
            f"{label}\n eval:\n{_indent(ours.show())}\n cluster:\n{_indent(theirs.show())}"
            for label, (ours, theirs) in self.admission.items()
            if ours != theirs
        ]

    def audit_differences(self) -> list[str]:
        return [
            f"{label}\n only eval: {sorted((ours - theirs).elements())}\n"
            f" only audit: {sorted((theirs - ours).elements())}"
            for label, (ours, theirs) in self.audit.items()
            if ours != theirs
        ]


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def extras_file(cluster: Cluster, group: Group, directory: Path) -> Path:
    """The synced objects the cluster holds beyond the group's own files, as an inventory file for eval."""
    own = {key(obj) for obj in group.inventory_objects()} | {key(obj) for obj in group.stored()}
    extras = []
    for obj in cluster_objects(cluster.api):
        if key(obj) not in own:
            metadata = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
            extras.append({**obj, "metadata": metadata})
    target = directory / f"{group.name.replace('/', '_')}-cluster-extras.yaml"
    target.write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": extras}), encoding="utf-8")
    return target


def _renamed_duplicates(cases: Sequence[Case], directory: Path) -> dict[str, Case]:
    """The API server stores one object per name, and suite samples of different rules reuse names: for the
    audit, the second and later objects of a name are copies renamed `<name>-2`, `<name>-3`…, each in its own
    file so that eval judges exactly the copy the cluster stores. Returns label -> copy."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    copies: dict[str, Case] = {}
    for case in cases:
        identity = (case.obj["apiVersion"], *case.resource)
        seen[identity] += 1
        if seen[identity] > 1:
            obj = {**case.obj, "metadata": {**case.obj["metadata"], "name": f"{case.resource[2]}-{seen[identity]}"}}
            path = directory / f"audit-copy-{len(copies)}.yaml"
            path.write_text(yaml.safe_dump(obj, sort_keys=False), encoding="utf-8")
            copies[case.label] = Case(path, 0, obj)
    return copies


def _rego(template: JSON) -> list[Any]:
    return [[code.get("source") for code in target.get("code", [])] for target in template["spec"]["targets"]]


def assert_bundle_current(cluster: Cluster) -> None:
    """eval reads gatekeeper/ at every run; the cluster has what was there at start-up. If the templates changed
    since (an edit while the tests run), the two are no longer judged by the same Rego."""
    installed = {
        t["metadata"]["name"]: _rego(t) for t in cluster.api.list("templates.gatekeeper.sh/v1", "ConstraintTemplate")
    }
    for path in sorted((ROOT / "gatekeeper" / "templates").glob("*.yaml")):
        for template in read_objects(path):
            assert installed.get(template["metadata"]["name"]) == _rego(template), (
                f"{path.relative_to(ROOT)} changed after the cluster installed it: restart the cluster tests"
            )


def compare_group(cluster: Cluster, inventory: Inventory, group: Group, directory: Path) -> GroupResult:
    assert_bundle_current(cluster)
    result = GroupResult()
    cases = group.cases()
    started = time.monotonic()
    inventory.replace([*group.inventory_objects(), *group.stored()], workloads=[c.obj for c in cases])
    result.timings["sync"] = wait_for_sync(cluster)
    findings = run_eval(group.manifests, [*group.inventory, extras_file(cluster, group, directory)], group.constraints)
    result.timings["eval"] = time.monotonic() - started - result.timings["sync"]
    names = {c["metadata"]["name"] for c in constraints(cluster.api)}

    dry_run_started = time.monotonic()
    admitted = []
    for case in cases:
        answer, failed_open = cluster.admit_judged(case.obj)
        result.failed_open += failed_open
        theirs = verdict_of_admission(answer, names) if answer else Verdict(f"not judged: failed open {failed_open}x")
        result.admission[case.label] = (verdict_of_findings(findings_of(case, findings)), theirs)
        if answer and answer.allowed:
            admitted.append(case)
    result.timings["dry-runs"] = time.monotonic() - dry_run_started

    audit_started = time.monotonic()
    if not admitted:
        return result
    copy_dir = directory / f"{group.name}-audit-copies"
    copy_dir.mkdir(exist_ok=True)
    copies = _renamed_duplicates(admitted, copy_dir)
    if copies:
        copy_files = tuple(copy.file for copy in copies.values())
        extras = extras_file(cluster, Group(f"{group.name}-copies", group.inventory, copy_files), copy_dir)
        findings = [*findings, *run_eval(copy_files, [*group.inventory, extras], group.constraints)]
    stored = [copies.get(case.label, case) for case in admitted]
    created: list[Case] = []
    try:
        for case in stored:
            cluster.api.create(case.obj)
            created.append(case)
        run = cluster.audit_log.run_started_after(time.time())
        seen = audit_violations(run, {case.resource for case in stored})
        for original, case in zip(admitted, stored, strict=True):
            expected = audit_of_findings(findings_of(case, findings))
            audited = Counter({k: n for k, n in seen.items() if (k[2], k[3], k[4]) == case.resource})
            label = original.label if case is original else f"{original.label} (stored as {case.resource[2]})"
            result.audit[label] = (expected, audited)
    finally:
        for case in created:
            cluster.api.delete(case.obj)
    result.timings["audit"] = time.monotonic() - audit_started
    return result


# --- the session's tally ----------------------------------------------------------------------------


@dataclass
class Tally:
    """Every comparison the cluster tests made, for the one-line summary."""

    compared: int = 0
    identical: int = 0
    seconds: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # the cluster's admission outcomes
    audited: Counter[str] = field(default_factory=Counter)  # objects and violations audit compared
    failed_open: int = 0

    def add(self, result: GroupResult) -> None:
        self.seconds.update(result.timings)
        self.outcomes.update(theirs.outcome.split(":")[0] for _, theirs in result.admission.values())
        self.audited["objects"] += len(result.audit)
        self.audited["violations"] += sum(theirs.total() for _, theirs in result.audit.values())
        self.failed_open += result.failed_open
        verdicts = [ours == theirs for ours, theirs in result.admission.values()]
        audits = [ours == theirs for ours, theirs in result.audit.values()]
        self.compared += len(verdicts) + len(audits)
        self.identical += sum(verdicts) + sum(audits)

    def summary(self) -> str:
        return f"cluster: {self.identical}/{self.compared} cases identical"

    def details(self) -> str:
        outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self.outcomes.items()))
        return (
            f"cluster: admission {outcomes}; audit {self.audited['objects']} stored objects with "
            f"{self.audited['violations']} violations; {self.failed_open} dry-runs sent again after a webhook "
            "timed out and failed open"
        )

    def time_spent(self) -> str:
        return "cluster comparisons took: " + ", ".join(f"{step} {s:.0f}s" for step, s in self.seconds.items())


TALLY = Tally()
