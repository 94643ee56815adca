"""Which reviewed workloads were recognised as running Boundary, and why: the transparency line of `eval`.

A run that finds nothing may have checked nothing: a Coder workspace whose pod spec shows no Boundary signal
is not a Boundary workspace to the rules. So eval asks the policies' own recognition (lib.boundary.recognition,
the function every rule uses) about each Pod it reviews (workloads expanded as the ExpansionTemplates do), with
the parameters of the Constraints that match it, and counts the workloads with a Boundary container by reason:

- annotation: `boundary-policy/container` (or a pod-level `boundary-policy/` annotation);
- env: a `BOUNDARY_*` variable; command: a Boundary launcher in command/args; flag: `--jail-type` or
  `--no-user-namespace`; config: a mounted Boundary config;
- parameter: a Constraint's `boundaryWorkspaces: true`;
- module, script, template config: the Terraform template turns Boundary on (loading/terraform.py derived
  the annotation, and says so in `boundary-policy/derived-from`).
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from boundary_policy.engine import CompiledPolicy, Engine, EngineError, Outcome
from boundary_policy.gatekeeper.client import SideQuery, namespace_for
from boundary_policy.gatekeeper.expansion import ExpansionFailure, expand
from boundary_policy.gatekeeper.match import MatchError, matches
from boundary_policy.gatekeeper.policy_set import PolicySet
from boundary_policy.gatekeeper.review import build_inventory, object_review
from boundary_policy.k8s import is_namespace, meta
from boundary_policy.model import JSON, Document

__all__ = ["REASONS", "RECOGNITION_QUERY", "SIDE_QUERY", "SLICE", "Recognition", "merge", "recognise", "side_query"]

REASONS = ("annotation", "env", "command", "flag", "config", "parameter", "module", "script", "template config")
"""Every reason, in the order summaries list them."""

_REASONS = """reasons := {"annotation" | some key in object.keys(data.lib.k8s.annotations(obj))
        startswith(key, "boundary-policy/")}
    | {"env" | some e in object.get(entry.container, "env", []); e.name in data.lib.boundary.recognition.env_names}
    | {"command" | launchers := data.lib.boundary.commandline.launchers
          | {w | some w in object.get(params, "wrapperNames", [])}
        some launcher in launchers
        data.lib.boundary.commandline.mentions(entry, launcher)
        some t in data.lib.boundary.commandline.tokens(entry)
        data.lib.boundary.commandline.basename(t.word) in launchers}
    | {"flag" | some flag in ["--jail-type", "--no-user-namespace"]
        data.lib.boundary.commandline.mentions(entry, flag)
        some t in data.lib.boundary.commandline.option_tokens(entry)
        regex.match(`^--(jail-type|no-user-namespace)(=|$)`, t.word)}
    | {"config" | s := data.lib.boundary.config.mounted_config(obj, entry).settings
        some k in ["jail_type", "allowlist"]; k in object.keys(s)}
    | {"parameter" | params.boundaryWorkspaces == true
        entry.path == data.lib.boundary.recognition.workspace_container(obj, params).path}"""

RECOGNITION_QUERY = f"""[{{"container": entry.name, "reasons": reasons}} |
  obj := input.review.object
  params := input.parameters
  some entry in data.lib.k8s.containers(obj)
  not data.lib.k8s.exempt(entry, params)
  data.lib.boundary.recognition.runs_boundary(obj, entry, params)
  {_REASONS}
]"""
"""The policies' recognition, asked per Pod; `reasons` names the signals present (several may be)."""

SIDE_QUERY = f"""array.concat([{{"container": entry.name, "reasons": reasons}} |
  obj := input.review.object
  params := input.parameters
  obj.kind == "Pod"
  recognised := {{c.path | some c in data.lib.boundary.containers}}
  some entry in data.lib.k8s.containers(obj)
  entry.path in recognised
  {_REASONS}
], [r | input.review.object.kind != "Pod"; some r in {RECOGNITION_QUERY}])"""
"""The same asked along with the templates: for a Pod, their own recognised containers (lib.boundary.containers,
the same filter in the same order), which they have computed already. The reasons are read from the containers as
lib.k8s.containers gives them, the arguments the templates' calls had, so that OPA's cache of function calls
answers them. Where that fails the review's evaluation
fails as a whole, and recognise() asks RECOGNITION_QUERY itself."""

SLICE = 2000
"""Documents whose Pods are asked about in one go (memory follows a slice, not the whole input)."""

_LIB_PACKAGE = "package lib.boundary.recognition"
_DERIVED = "boundary-policy/derived-from"
_WORKSPACE_LABELS = {"com.coder.resource": "true", "app.kubernetes.io/part-of": "coder"}


@dataclass
class Recognition:
    """Per run: workloads with pods reviewed, those running Boundary, and by which reason (a workload may
    have several)."""

    workloads: int = 0
    recognised: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    workspaces_unrecognised: int = 0
    """Workloads that look like Coder workspaces (the agent token, Coder's labels) but run no Boundary."""


def _metadata_map(obj: Mapping[str, Any], key: str) -> dict[str, Any]:
    metadata = obj.get("metadata")
    value = metadata.get(key) if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else {}


def _is_workspace(pod: Mapping[str, Any]) -> bool:
    labels = _metadata_map(pod, "labels")
    if "com.coder.workspace.id" in labels or any(labels.get(k) == v for k, v in _WORKSPACE_LABELS.items()):
        return True
    spec = pod.get("spec")
    containers = spec.get("containers") if isinstance(spec, dict) else None
    for container in containers if isinstance(containers, list) else []:
        env = container.get("env") if isinstance(container, dict) else None
        if isinstance(env, list) and any(isinstance(e, dict) and e.get("name") == "CODER_AGENT_TOKEN" for e in env):
            return True
    return False


def _template_reasons(pod: Mapping[str, Any], container: str) -> set[str]:
    """A derived annotation names how the Terraform template turned Boundary on."""
    annotations = _metadata_map(pod, "annotations")
    if _DERIVED not in annotations:
        return set()
    if container not in str(annotations.get("boundary-policy/container", "")).split(","):
        return set()
    derived = str(annotations[_DERIVED])
    reasons = set()
    if "module " in derived:
        reasons.add("module")
    if "runs Boundary" in derived:
        reasons.add("script")
    if "writes a Boundary config" in derived:
        reasons.add("template config")
    return reasons


def _recognising_template(policies: PolicySet) -> Any:
    return next((t for t in policies.templates.values() if any(_LIB_PACKAGE in lib for lib in t.libs)), None)


def side_query(policies: PolicySet) -> SideQuery | None:
    """The recognition query for the review to ask along with the templates sharing its libs (the same pods and
    parameters, mostly): recognise() then evaluates only what the review did not answer."""
    template = _recognising_template(policies)
    return None if template is None else SideQuery(template.libs, SIDE_QUERY)


def merge(parts: Sequence[Recognition | None]) -> Recognition | None:
    """The recognition of a run whose documents were split into parts (disjoint workloads)."""
    found = [p for p in parts if p is not None]
    if not found:
        return None
    reasons: Counter[str] = Counter()
    for part in found:
        reasons.update(part.reasons)
    return Recognition(
        workloads=sum(p.workloads for p in found),
        recognised=sum(p.recognised for p in found),
        reasons={reason: reasons[reason] for reason in REASONS if reasons[reason]},
        workspaces_unrecognised=sum(p.workspaces_unrecognised for p in found),
    )


def recognise(
    engine: Engine,
    policies: PolicySet,
    documents: Sequence[Document],
    data_objects: Iterable[Mapping[str, Any]],
    answered: SideQuery | None = None,
) -> Recognition | None:
    """The recognition of every Pod the documents hold or generate; None when the policy set has no
    lib.boundary (the user's own templates only) or the engine cannot run the query. `answered` holds what the
    review asked already (side_query), by input."""
    template = _recognising_template(policies)
    if template is None:
        return None
    known = answered.answers if answered is not None and answered.libs == template.libs else {}
    data_list = list(data_objects)
    namespaces = {meta(o, "name"): o for o in data_list if is_namespace(o)}
    # Constraints alike in match block and parameters give the same answer: each such set is asked about once.
    alike = {(c.match, json.dumps(c.parameters, sort_keys=True)): c for cs in policies.constraints.values() for c in cs}
    constraints = list(alike.values())
    reasons: dict[int, set[str]] = {}
    workspace: set[int] = set()
    workloads: set[int] = set()
    policy: CompiledPolicy | None = None
    try:
        # A slice of the documents at a time: every Pod's review at once would hold the input a second time.
        for start in range(0, len(documents), SLICE):
            inputs: list[dict[str, JSON]] = []
            owners: list[tuple[int, Mapping[str, Any]]] = []
            for index, document in enumerate(documents[start : start + SLICE], start):
                namespace = namespace_for(document.obj, namespaces)
                pods: list[tuple[Mapping[str, Any], str]] = []
                if document.obj.get("kind") == "Pod":
                    pods.append((document.obj, "Original"))
                with contextlib.suppress(ExpansionFailure):  # the review reports it
                    pods += [(r.obj, "Generated") for r in expand(document.obj, namespace, policies.expansions)]
                for pod, source in pods:
                    for parameters in _parameter_sets(constraints, pod, namespace, source):
                        inputs.append({"review": object_review(pod), "parameters": parameters})
                        owners.append((index, pod))
            workloads.update(index for index, _ in owners)
            # What the review answered already; the rest is asked here.
            answers = [known.get(SideQuery.key(item)) if known else None for item in inputs]
            outcomes = [Outcome(answer, True) for answer in answers]
            asked = [position for position, answer in enumerate(answers) if answer is None]
            if asked:
                if policy is None:
                    policy = engine.compile(template.modules(), {"inventory": build_inventory(data_list)})
                evaluated = policy.evaluate(RECOGNITION_QUERY, [inputs[i] for i in asked])
                for position, outcome in zip(asked, evaluated, strict=True):
                    outcomes[position] = outcome
            _note_reasons(owners, outcomes, reasons, workspace)
    except EngineError:
        return None
    finally:
        if policy is not None:
            policy.close()
    result = Recognition(workloads=len(workloads))
    counts: Counter[str] = Counter(reason for found in reasons.values() for reason in found)
    result.recognised = len(reasons)
    result.reasons = {reason: counts[reason] for reason in REASONS if counts[reason]}
    result.workspaces_unrecognised = len(workspace - set(reasons))
    return result


def _note_reasons(
    owners: Sequence[tuple[int, Mapping[str, Any]]],
    outcomes: Sequence[Outcome],
    reasons: dict[int, set[str]],
    workspace: set[int],
) -> None:
    """Add each Pod's recognised containers (by workload index) to `reasons`, and the workspaces to `workspace`."""
    for (index, pod), outcome in zip(owners, outcomes, strict=True):
        if _is_workspace(pod):
            workspace.add(index)
        if outcome.error is not None or not isinstance(outcome.value, list):
            continue
        for container in outcome.value:
            found = set(container.get("reasons") or []) | _template_reasons(pod, str(container.get("container")))
            if found & {"module", "script", "template config"}:
                found.discard("annotation")  # the annotation is the derived one, not written in the template
            reasons.setdefault(index, set()).update(found or {"annotation"})


def _parameter_sets(
    constraints: Sequence[Any], pod: Mapping[str, Any], namespace: Mapping[str, Any] | None, source: str
) -> list[JSON]:
    """The distinct parameters of the Constraints that review this Pod (`{}` when none matches)."""
    found: dict[str, JSON] = {}
    for constraint in constraints:
        try:
            if not matches(constraint.match, pod, namespace, source):
                continue
        except MatchError:
            continue
        found.setdefault(json.dumps(constraint.parameters, sort_keys=True), constraint.parameters)
    return list(found.values()) or [{}]
