"""The cluster against `boundary-policy eval` on the same files.

A `Group` is manifests plus the inventory they are judged with. For a group the cluster gets the inventory as
real objects (and the manifests' own ConfigMaps, stored first, as `eval` reads them into the inventory too);
then every other manifest object is sent as a server-side dry-run, and the webhook's answer — denied, warned
or allowed, the denial's messages and the warnings — must be what eval's deny and warn findings say. Then
every object the webhook admits is created for real and, after an audit cycle, the Constraints' audit
violations on it must be eval's findings of every severity, dryrun included, with messages cut to 256 bytes
as audit cuts them.

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
    def label(self) -> str:
        kind, namespace, name = self.resource
        return f"{self.file.relative_to(ROOT)}#{self.index} {kind} {namespace}/{name}"


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
    path = case.file.relative_to(ROOT).as_posix()
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


def compare_group(cluster: Cluster, inventory: Inventory, group: Group, directory: Path) -> GroupResult:
    result = GroupResult()
    cases = group.cases()
    started = time.monotonic()
    inventory.replace([*group.inventory_objects(), *group.stored()], workloads=[c.obj for c in cases])
    result.timings["sync"] = wait_for_sync(cluster)
    findings = run_eval(group.manifests, [*group.inventory, extras_file(cluster, group, directory)], group.constraints)
    result.timings["eval"] = time.monotonic() - started - result.timings["sync"]
    names = {c["metadata"]["name"] for c in constraints(cluster.api)}

    dry_run_started = time.monotonic()
    answers = {case.label: cluster.api.admit(case.obj, dry_run=True) for case in cases}
    result.timings["dry-runs"] = time.monotonic() - dry_run_started
    for case in cases:
        ours = verdict_of_findings(findings_of(case, findings))
        result.admission[case.label] = (ours, verdict_of_admission(answers[case.label], names))

    audit_started = time.monotonic()
    admitted = [case for case in cases if answers[case.label].allowed]
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

    def add(self, result: GroupResult) -> None:
        self.seconds.update(result.timings)
        verdicts = [ours == theirs for ours, theirs in result.admission.values()]
        audits = [ours == theirs for ours, theirs in result.audit.values()]
        self.compared += len(verdicts) + len(audits)
        self.identical += sum(verdicts) + sum(audits)

    def summary(self) -> str:
        return f"cluster: {self.identical}/{self.compared} cases identical"

    def time_spent(self) -> str:
        return "cluster comparisons took: " + ", ".join(f"{step} {s:.0f}s" for step, s in self.seconds.items())


TALLY = Tally()
