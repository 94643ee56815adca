"""ConstraintTemplates: which Rego runs for a Constraint kind, checked as Gatekeeper's rewriter checks it.

Gatekeeper (frameworks `drivers/rego/compilers.go`, `regorewriter`) accepts a template only when the entry
module defines `violation`, every lib package is strictly under `lib.`, imports are `data.lib.*` or
`future.*`, and the only `data` it reads is `data.lib.*` and `data.inventory`. Those checks are repeated
here, on tokens, with Gatekeeper's wording and the template's file and line.

The entry module is compiled under the name `template` and lib N under `libs["lib_N"]`, the names
Gatekeeper parses them with, so a Rego runtime error reads exactly as Gatekeeper reports it
(`template:4: eval_conflict_error: ...`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from boundary_policy.engine import Module, RegoVersion
from boundary_policy.errors import LocatedError
from boundary_policy.k8s import api_group
from boundary_policy.model import JSON, Document, JSONPath
from boundary_policy.rego.source import Token, package_of, ref_at, significant, starts_line

__all__ = [
    "ENTRY_MODULE",
    "TARGET",
    "TEMPLATE_GROUP",
    "TEMPLATE_VERSIONS",
    "Template",
    "TemplateError",
    "check_rewriter_rules",
    "is_template",
    "lib_module_name",
    "parse_template",
]

TEMPLATE_GROUP = "templates.gatekeeper.sh"
TEMPLATE_VERSIONS = ("v1", "v1beta1", "v1alpha1")
TARGET = "admission.k8s.gatekeeper.sh"
ENTRY_MODULE = "template"


def lib_module_name(index: int) -> str:
    return f'libs["lib_{index}"]'


class TemplateError(LocatedError):
    """A template Gatekeeper would refuse (or that cannot run offline), with where it is written."""


@dataclass(frozen=True)
class Template:
    name: str
    kind: str
    """The Constraint kind it defines (spec.crd.spec.names.kind)."""
    rego: str
    libs: tuple[str, ...]
    rego_version: RegoVersion
    package: str
    """Package of the entry module, e.g. `k8srequiredlabels`; the query reads data.<package>.violation."""
    document: Document
    source_path: JSONPath
    """Where the entry Rego is written in the document, e.g. ("spec", "targets", 0, "rego")."""
    lib_paths: tuple[JSONPath, ...]
    parameter_schema: Mapping[str, JSON] | None = None
    warnings: tuple[str, ...] = field(default=())

    def modules(self) -> list[Module]:
        return [Module(ENTRY_MODULE, self.rego)] + [Module(lib_module_name(i), lib) for i, lib in enumerate(self.libs)]

    def source_line(self, module: str | None, rego_line: int | None) -> int:
        """The document line of line `rego_line` of `module` (a block scalar starts on the next line)."""
        path = self.source_path
        if module and module != ENTRY_MODULE:
            match = re.fullmatch(r'libs\["lib_(\d+)"\]', module)
            if match and int(match[1]) < len(self.lib_paths):
                path = self.lib_paths[int(match[1])]
        start = self.document.line_of(path)
        return start + rego_line if rego_line else start


def is_template(obj: Mapping[str, JSON]) -> bool:
    return obj.get("kind") == "ConstraintTemplate" and api_group(obj) == TEMPLATE_GROUP


def _get(obj: JSON, *path: str | int) -> JSON:
    for key in path:
        if isinstance(key, int):
            obj = obj[key] if isinstance(obj, list) and key < len(obj) else None
        else:
            obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def parse_template(document: Document) -> Template:
    """The Rego of a ConstraintTemplate document; raises TemplateError as Gatekeeper would refuse it."""
    obj = document.obj

    def fail(message: str, path: JSONPath = ()) -> TemplateError:
        return TemplateError(message, document.file, document.line_of(path))

    name = _get(obj, "metadata", "name")
    kind = _get(obj, "spec", "crd", "spec", "names", "kind")
    if not isinstance(name, str) or not name:
        raise fail("ConstraintTemplate has no metadata.name", ("metadata",))
    if not isinstance(kind, str) or not kind:
        raise fail(f'ConstraintTemplate "{name}" does not specify CRD Kind', ("spec", "crd"))
    if name.lower() != kind.lower():
        raise fail(
            f'the ConstraintTemplate\'s name "{name}" is not equal to the lowercase of CRD\'s Kind: "{kind.lower()}"',
            ("metadata", "name"),
        )
    targets = _get(obj, "spec", "targets")
    if not isinstance(targets, list) or len(targets) != 1 or not isinstance(targets[0], dict):
        raise fail("a ConstraintTemplate must have exactly one target", ("spec", "targets"))
    target: dict[str, JSON] = targets[0]
    if target.get("target") != TARGET:
        raise fail(f'target "{target.get("target")}" not recognized, known targets [{TARGET}]', ("spec", "targets", 0))

    base: JSONPath = ("spec", "targets", 0)
    warnings: list[str] = []
    raw_code = target.get("code")
    code: list[JSON] = raw_code if isinstance(raw_code, list) else []
    engines = {entry.get("engine"): (i, entry) for i, entry in enumerate(code) if isinstance(entry, dict)}
    rego_entry = engines.get("Rego")
    legacy = target.get("rego")

    if isinstance(legacy, str) and legacy.strip():
        # Frameworks' conversion copies legacy rego/libs over the Rego code entry: legacy wins, always v0.
        rego, version = legacy, "v0"
        source_path: JSONPath = (*base, "rego")
        raw_libs = target.get("libs") or []
        lib_base: JSONPath = (*base, "libs")
    elif rego_entry is not None:
        index, entry = rego_entry
        raw_source = entry.get("source")
        source: dict[str, JSON] = raw_source if isinstance(raw_source, dict) else {}
        code_rego = source.get("rego")
        if not isinstance(code_rego, str) or not code_rego.strip():
            raise fail("the Rego code entry has no source.rego", (*base, "code", index))
        rego = code_rego
        version = "v1" if source.get("version") == "v1" else "v0"
        source_path = (*base, "code", index, "source", "rego")
        raw_libs = source.get("libs") or []
        lib_base = (*base, "code", index, "source", "libs")
    elif "K8sNativeValidation" in engines:
        raise fail(
            f'template "{name}" only has K8sNativeValidation (CEL) code: CEL templates are not supported offline',
            (*base, "code"),
        )
    else:
        raise fail("could not extract Rego from the constraint template", base)

    if "K8sNativeValidation" in engines:
        warnings.append(
            f'template "{name}" has both CEL and Rego code; Gatekeeper >= 3.17 (and gator) run the CEL code, '
            "this evaluator runs the Rego code"
        )
    if not isinstance(raw_libs, list) or not all(isinstance(lib, str) for lib in raw_libs):
        raise fail("libs must be a list of Rego sources", lib_base)
    libs = tuple(raw_libs)
    lib_paths = tuple((*lib_base, i) for i in range(len(libs)))

    template = Template(
        name=name,
        kind=kind,
        rego=rego,
        libs=libs,
        rego_version="v1" if version == "v1" else "v0",
        package=package_of(rego) or "",
        document=document,
        source_path=source_path,
        lib_paths=lib_paths,
        parameter_schema=_parameter_schema(obj),
        warnings=tuple(warnings),
    )
    check_rewriter_rules(template)
    return template


def _parameter_schema(obj: Mapping[str, JSON]) -> Mapping[str, JSON] | None:
    schema = _get(obj, "spec", "crd", "spec", "validation", "openAPIV3Schema")
    return schema if isinstance(schema, dict) else None


# --- The rewriter's rules, on tokens (comments and strings cannot fool them). ---


def _defines_violation(tokens: Sequence[Token], index: int) -> bool:
    """Whether a rule named `violation` starts at `index` (OPA's Head.Name is "violation").

    `violation[x] if {...}` and `violation.a ...` are ref-head rules without that name: Gatekeeper
    reports them as a missing `violation` rule, and so does this.
    """
    token = tokens[index]
    if token.text != "violation" or token.kind != "ident" or not starts_line(tokens, index):
        return False
    after = index + 1
    if after >= len(tokens) or tokens[after].text == ".":
        return after >= len(tokens)
    if tokens[after].text != "[":
        return True
    depth = 0
    for position in range(after, len(tokens)):
        text = tokens[position].text
        depth += text in "[{("
        depth -= text in "]})"
        if depth == 0:
            return position + 1 >= len(tokens) or tokens[position + 1].text != "if"
    return False


def check_rewriter_rules(template: Template) -> None:
    """Raise TemplateError where Gatekeeper's rewriter would refuse the template."""
    document = template.document
    modules = [(ENTRY_MODULE, template.rego, template.source_path)] + [
        (lib_module_name(i), lib, template.lib_paths[i]) for i, lib in enumerate(template.libs)
    ]

    def fail(message: str, path: JSONPath, rego_line: int | None = None) -> TemplateError:
        start = document.line_of(path)
        return TemplateError(
            f'template "{template.name}": {message}', document.file, start + rego_line if rego_line else start
        )

    entry_tokens = significant(template.rego)
    if not any(_defines_violation(entry_tokens, i) for i in range(len(entry_tokens))):
        raise fail("invalid rego: invalid module: missing required rules: [violation]", template.source_path)
    if not template.package:
        raise fail("the Rego has no package", template.source_path)

    for _module, source, path in modules[1:]:
        package = package_of(source) or ""
        parts = package.split(".")
        if len(parts) < 2 or parts[0] != "lib":
            raise fail(f"invalid lib prefix: path data.{package} not found in lib prefixes", path)

    for module, source, path in modules:
        tokens = significant(source)
        disallowed: list[str] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.kind != "ident" or (index > 0 and tokens[index - 1].text == "."):
                index += 1
                continue
            if token.text == "import" and starts_line(tokens, index) and index + 1 < len(tokens):
                parts, index = ref_at(tokens, index + 1)
                ref = ".".join(parts)
                if parts[0] == "input":
                    raise fail(f'invalid import: cannot import input: "{ref}"', path, token.line)
                if not (parts[0] == "future" or (parts[:2] == ["data", "lib"] and len(parts) >= 2)):
                    raise fail(f'invalid import: bad import: "{ref}"', path, token.line)
                continue
            if token.text == "data":
                parts, end = ref_at(tokens, index)
                if len(parts) < 2 or parts[1] not in ("lib", "inventory"):
                    shown = ".".join(parts) if end > index + 1 else "data"
                    disallowed.append(f"disallowed ref {shown}")
                index = end
                continue
            index += 1
        if disallowed:
            raise fail(
                f"invalid data references: check refs failed on module {{{module}}}: "
                f"errors ({len(disallowed)}):\n" + "\n".join(disallowed),
                path,
            )
