"""Where a Coder template turns Boundary on, read from its Terraform: agent modules, scripts and config files.

None of this reaches the pod spec: the modules start Boundary from a wrapper script inside the agent's
container. Recognised (from the modules' public sources in coder/registry; docs/terraform.md lists versions):

- `module` with `enable_boundary = true`: claude-code 3.2.0-4.9.2, agentapi 2.3.0-2.4.0, codex 4.3.0-4.3.1
  (and any other module with that input);
- `module` whose source is coder/agent-firewall (0.0.1-0.0.3): Boundary is what it installs; its
  `agent_firewall_config` YAML may set `jail_type` and `no_user_namespace`;
- a `coder_script`, `coder_app` command or `coder_agent` startup_script that launches Boundary (`boundary`,
  `coder boundary`, `coder agent-firewall`, the modules' wrappers), with its `--jail-type`/`--no-user-namespace`;
- a Boundary config file such a script writes (`jail_type:` / `no_user_namespace:` lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from boundary_policy.loading.hcl import Block, Body, Expr, Unknown

__all__ = ["BoundarySignal", "agent_of", "find_signals", "script_text"]

_LAUNCHERS = {
    "boundary",
    "agent-firewall",
    "boundary-run",
    "coder-no-caps",
    "agent-firewall-wrapper.sh",
    "boundary-wrapper.sh",
}
_WORD = re.compile(r"[^\s;|&()<>]+")
_JAIL_FLAG = re.compile(r"--jail-type(?:=|\s+)[\"']?([A-Za-z]+)")
_NO_USERNS_FLAG = re.compile(r"--no-user-namespace(?:=([A-Za-z0-9]+))?(?![\w-])")
_JAIL_ENV = re.compile(r"\bBOUNDARY_JAIL_TYPE=[\"']?([A-Za-z]+)")
_NO_USERNS_ENV = re.compile(r"\bBOUNDARY_NO_USER_NAMESPACE=[\"']?([A-Za-z0-9]+)")
_JAIL_CONFIG = re.compile(r"^[ \t]*jail_type:[ \t]*[\"']?([A-Za-z]+)", re.M)
_NO_USERNS_CONFIG = re.compile(r"^[ \t]*no_user_namespace:[ \t]*[\"']?([A-Za-z0-9]+)", re.M)
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


@dataclass(frozen=True)
class BoundarySignal:
    """One place in the template that runs Boundary for an agent (None: the agent cannot be told)."""

    agent: str | None
    kind: str
    """"module", "script" or "config"."""
    description: str
    file: str
    line: int
    jail_type: str | None = None
    no_user_namespace: bool | None = None


def script_text(expr: Expr) -> str | None:
    """The text of a script attribute, interpolations left as written; None for a non-text value."""
    value = expr.value
    if isinstance(value, str):
        return value
    if isinstance(value, Unknown) and value.template:
        return value.text
    return None


def agent_of(expr: Expr | None) -> str | None:
    """`coder_agent.main.id` -> "main"."""
    if expr is not None and isinstance(expr.value, Unknown):
        ref = expr.value.ref
        if len(ref) >= 2 and ref[0] == "coder_agent":
            return ref[1]
    return None


def _parse_bool(text: str | None) -> bool | None:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _launches_boundary(text: str) -> bool:
    """A launcher word (or `coder boundary` / `coder agent-firewall`), comments ignored."""
    uncommented = re.sub(r"(^|\s)#[^\n]*", " ", text)
    words = [w.strip("\"'`") for w in _WORD.findall(uncommented)]
    for index, word in enumerate(words):
        base = word.rsplit("/", 1)[-1]
        if base in _LAUNCHERS and not base.startswith("-"):
            return True
        if base == "coder" and index + 1 < len(words) and words[index + 1] in ("boundary", "agent-firewall"):
            return True
    return "agent_firewall_wrapper_path" in text or "AGENTAPI_BOUNDARY_PREFIX" in text


def _options(text: str, config_only: bool = False) -> tuple[str | None, bool | None]:
    """The jail type and no_user_namespace a script sets: flag > env > config file, as Boundary reads them."""
    jail = None if config_only else (_last(_JAIL_FLAG, text) or _last(_JAIL_ENV, text))
    jail = jail or _last(_JAIL_CONFIG, text)
    no_userns: bool | None = None
    if not config_only:
        flag = [m.group(1) or "true" for m in _NO_USERNS_FLAG.finditer(text)]
        no_userns = _parse_bool(flag[-1]) if flag else _parse_bool(_last(_NO_USERNS_ENV, text))
    if no_userns is None:
        no_userns = _parse_bool(_last(_NO_USERNS_CONFIG, text))
    return jail, no_userns


def _last(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.findall(text)
    return str(found[-1]) if found else None


def _count_is_zero(body: Body) -> bool:
    count = body.attributes.get("count")
    return count is not None and count.expr.value == 0


def find_signals(files: Iterable[tuple[str, Body]], agents: list[str]) -> tuple[list[BoundarySignal], list[Expr]]:
    """Every Boundary signal of a template's files, and the `enable_boundary` values unknown offline."""
    signals: list[BoundarySignal] = []
    unknown: list[Expr] = []
    only_agent = agents[0] if len(agents) == 1 else None
    for file, body in files:
        for block in body.blocks:
            if _count_is_zero(block.body):
                continue
            if block.type == "module" and block.labels:
                signal, undecided = _module_signal(file, block, only_agent)
                signals += signal
                unknown += undecided
            elif block.type == "resource" and len(block.labels) == 2:
                signals += _resource_signals(file, block, only_agent)
    return signals, unknown


def _module_signal(file: str, block: Block, only_agent: str | None) -> tuple[list[BoundarySignal], list[Expr]]:
    attributes = block.body.attributes
    name = block.labels[0]
    agent = agent_of(attributes["agent_id"].expr if "agent_id" in attributes else None) or only_agent
    source = attributes["source"].expr.value if "source" in attributes else None
    version = attributes["version"].expr.value if "version" in attributes else None
    written = f" {version}" if isinstance(version, str) else ""
    if isinstance(source, str) and re.search(r"(^|/)agent-firewall(/|$)", source):
        jail, no_userns = None, None
        config = attributes.get("agent_firewall_config")
        if config is not None and isinstance(config.expr.value, str):
            jail, no_userns = _config_options(config.expr.value)
        description = f'module "{name}" (agent-firewall{written})'
        return [BoundarySignal(agent, "module", description, file, block.line, jail, no_userns)], []
    enable = attributes.get("enable_boundary")
    if enable is None:
        return [], []
    if isinstance(enable.expr.value, Unknown):
        return [], [enable.expr]
    if enable.expr.value is not True:
        return [], []
    description = f'module "{name}"{written} (enable_boundary = true)'
    return [BoundarySignal(agent, "module", description, file, enable.line)], []


def _config_options(text: str) -> tuple[str | None, bool | None]:
    try:
        settings = yaml.safe_load(text)
    except yaml.YAMLError:
        return _options(text, config_only=True)
    if not isinstance(settings, dict):
        return None, None
    jail = settings.get("jail_type")
    no_userns = settings.get("no_user_namespace")
    return (
        jail if isinstance(jail, str) else None,
        no_userns if isinstance(no_userns, bool) else _parse_bool(str(no_userns)) if no_userns is not None else None,
    )


_SCRIPTS = {"coder_script": "script", "coder_app": "command", "coder_agent": "startup_script"}


def _resource_signals(file: str, block: Block, only_agent: str | None) -> list[BoundarySignal]:
    resource_type, name = block.labels
    attribute_name = _SCRIPTS.get(resource_type)
    attribute = block.body.attributes.get(attribute_name or "")
    if attribute is None:
        return []
    text = script_text(attribute.expr)
    if text is None:
        return []
    if resource_type == "coder_agent":
        agent: str | None = name
    else:
        agent = agent_of(block.body.attributes["agent_id"].expr if "agent_id" in block.body.attributes else None)
        agent = agent or only_agent
    where = f"{resource_type}.{name} {attribute_name}"
    if _launches_boundary(text):
        jail, no_userns = _options(text)
        return [BoundarySignal(agent, "script", f"{where} runs Boundary", file, attribute.line, jail, no_userns)]
    if _JAIL_CONFIG.search(text) or _NO_USERNS_CONFIG.search(text):
        jail, no_userns = _options(text, config_only=True)
        description = f"{where} writes a Boundary config"
        return [BoundarySignal(agent, "config", description, file, attribute.line, jail, no_userns)]
    return []
