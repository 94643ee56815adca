"""Template parsing: Gatekeeper's rewriter rules with its wording (checked against gator) and file/line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from boundary_policy.gatekeeper.templates import ENTRY_MODULE, TemplateError, lib_module_name, parse_template
from boundary_policy.loading import load_paths
from boundary_policy.model import Document


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` block scalars, the way templates are written by hand."""


_BlockDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None),
)


def template_yaml(rego: str, libs: tuple[str, ...] = (), name: str = "k8sx", version: str = "v1") -> str:
    source: dict[str, object] = {"rego": rego, "libs": list(libs)}
    if version:
        source["version"] = version
    return yaml.dump(
        {
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": name},
            "spec": {
                "crd": {"spec": {"names": {"kind": "K8sX"}}},
                "targets": [{"target": "admission.k8s.gatekeeper.sh", "code": [{"engine": "Rego", "source": source}]}],
            },
        },
        Dumper=_BlockDumper,
        sort_keys=False,
        width=1000,
    )


def load_one(path: Path) -> Document:
    loaded = load_paths([str(path)])
    assert not loaded.problems and len(loaded.documents) == 1
    return loaded.documents[0]


REFUSED = {
    "no violation rule": (
        template_yaml("package a\n\ndeny contains 1 if { true }\n"),
        "missing required rules: [violation]",
    ),
    "ref-head violation": (
        template_yaml('package a\nimport future.keywords.if\nviolation[{"msg": "x"}] if { true }\n', version=""),
        "missing required rules: [violation]",
    ),
    "import rego.v1": (
        template_yaml('package a\n\nimport rego.v1\n\nviolation contains {"msg": "x"} if { true }\n'),
        'invalid import: bad import: "rego.v1"',
    ),
    "import input": (
        template_yaml('package a\n\nimport input.review\n\nviolation contains {"msg": "x"} if { true }\n'),
        'invalid import: cannot import input: "input.review"',
    ),
    "import data.inventory": (
        template_yaml('package a\n\nimport data.inventory\n\nviolation contains {"msg": "x"} if { true }\n'),
        'invalid import: bad import: "data.inventory"',
    ),
    "lib package is lib": (
        template_yaml('package a\n\nviolation contains {"msg": "x"} if { true }\n', ("package lib\n\nx := 1\n",)),
        "invalid lib prefix: path data.lib not found in lib prefixes",
    ),
    "lib package outside lib": (
        template_yaml('package a\n\nviolation contains {"msg": "x"} if { true }\n', ("package util\n\nx := 1\n",)),
        "invalid lib prefix: path data.util not found in lib prefixes",
    ),
    "data refs": (
        template_yaml(
            'package a\n\nviolation contains {"msg": "x"} if {\n  data.other.x\n  data.inventory.y\n  data.lib.z\n'
            "  # data.comment.is.ignored\n  data.a.q\n}\n"
        ),
        "invalid data references: check refs failed on module {template}: errors (2):\n"
        "disallowed ref data.other.x\ndisallowed ref data.a.q",
    ),
    "name is not the kind": (
        template_yaml('package a\n\nviolation contains {"msg": "x"} if { true }\n', name="k8sy"),
        'the ConstraintTemplate\'s name "k8sy" is not equal to the lowercase of CRD\'s Kind: "k8sx"',
    ),
}


@pytest.mark.gator
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_as_gator_refuses(case: str, tmp_path: Path, gator_bin: str) -> None:
    text, message = REFUSED[case]
    path = tmp_path / "template.yaml"
    path.write_text(text)
    gator = subprocess.run([gator_bin, "test", "-f", str(path)], capture_output=True, text=True, check=False)
    assert gator.returncode == 1 and message in gator.stderr
    with pytest.raises(TemplateError) as raised:
        parse_template(load_one(path))
    assert message in raised.value.message
    assert raised.value.file == str(path)
    assert raised.value.line is not None and raised.value.line > 1


def test_error_line_points_into_the_rego(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(template_yaml('package a\n\nimport rego.v1\n\nviolation contains {"msg": "x"} if { true }\n'))
    document = load_one(path)
    with pytest.raises(TemplateError) as raised:
        parse_template(document)
    rego_key_line = document.line_of(("spec", "targets", 0, "code", 0, "source", "rego"))
    assert raised.value.line == rego_key_line + 3


def test_legacy_rego_wins_and_is_v0(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    obj = yaml.safe_load(template_yaml('package a\n\nviolation contains {"msg": "v1"} if { true }\n'))
    obj["spec"]["targets"][0]["rego"] = 'package legacy\n\nviolation[{"msg": "v0"}] { true }\n'
    obj["spec"]["targets"][0]["libs"] = ["package lib.legacy\n\nx := 1\n"]
    path.write_text(yaml.dump(obj, Dumper=_BlockDumper))
    template = parse_template(load_one(path))
    assert (template.package, template.rego_version, len(template.libs)) == ("legacy", "v0", 1)
    assert [m.name for m in template.modules()] == [ENTRY_MODULE, lib_module_name(0)] == ["template", 'libs["lib_0"]']


def test_cel_only_is_refused_and_cel_with_rego_warns(tmp_path: Path) -> None:
    obj = yaml.safe_load(template_yaml('package a\n\nviolation contains {"msg": "x"} if { true }\n'))
    cel = {"engine": "K8sNativeValidation", "source": {"validations": [{"expression": "true", "message": "m"}]}}
    obj["spec"]["targets"][0]["code"].insert(0, cel)
    both = tmp_path / "both.yaml"
    both.write_text(yaml.dump(obj, Dumper=_BlockDumper))
    template = parse_template(load_one(both))
    assert template.warnings and "run the CEL code" in template.warnings[0]
    del obj["spec"]["targets"][0]["code"][1]
    cel_only = tmp_path / "cel.yaml"
    cel_only.write_text(yaml.dump(obj, Dumper=_BlockDumper))
    with pytest.raises(TemplateError, match="CEL templates are not supported offline"):
        parse_template(load_one(cel_only))


def test_source_line_maps_module_lines_to_the_document(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        template_yaml('package a\n\nviolation contains {"msg": "x"} if { true }\n', ("package lib.b\n\nx := 1\n",))
    )
    template = parse_template(load_one(path))
    text = path.read_text().splitlines()
    assert text[template.source_line("template", 3) - 1].strip().startswith("violation contains")
    assert text[template.source_line('libs["lib_0"]', 3) - 1].strip() == "x := 1"
