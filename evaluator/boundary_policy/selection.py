"""What `eval` reads and reports beyond the policy: --exclude globs, Helm charts, --severity and --rule.

Path globs follow .gitignore's shape: a pattern without a slash matches a file or directory name at any depth
(`Chart.yaml`, `*.tpl`), one with a slash is anchored at its base directory (`ci/**`, `k8s/dev/*.yaml`), `**`
spans directories, and a trailing slash matches directories only. An excluded directory excludes everything
below it. Globs from the command line are relative to the working directory, those of the config file to its
directory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from boundary_policy.findings import LOAD_ERROR_RULE
from boundary_policy.model import Finding, LoadNote, Severity

__all__ = ["HELM_CHART_RULE", "FindingFilter", "PathFilter", "glob_regex"]

HELM_CHART_RULE = "helm-chart"


def glob_regex(pattern: str) -> tuple[re.Pattern[str], bool]:
    """(regex over a '/'-separated relative path, directories only) for one glob."""
    directories_only = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = "/" in pattern.rstrip("/")  # a leading or inner slash anchors it at its base, as in .gitignore
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if body.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif body.startswith("**", index):
            out.append(".*")
            index += 2
        elif char == "*":
            out.append("[^/]*")
            index += 1
        elif char == "?":
            out.append("[^/]")
            index += 1
        elif char == "[" and (end := body.find("]", index + 2)) != -1:
            inner = body[index + 1 : end]
            out.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner).replace("\\", "\\\\") + "]")
            index = end + 1
        else:
            out.append(re.escape(char))
            index += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{''.join(out)}"), directories_only


@dataclass(frozen=True)
class _Glob:
    pattern: str
    base: Path
    regex: re.Pattern[str]
    directories_only: bool


class PathFilter:
    """Decides, for the loader, which files and directories `eval` skips: the excluded ones silently (the user
    asked), Helm chart sources with an info finding (their templates must be rendered first)."""

    def __init__(self, globs: Iterable[tuple[str, Path]] = ()) -> None:
        self.globs = [_Glob(pattern, base.resolve(), *glob_regex(pattern)) for pattern, base in globs]

    def excluded(self, path: Path, is_dir: bool) -> bool:
        absolute = path.absolute()
        for glob in self.globs:
            if glob.directories_only and not is_dir:
                continue
            try:
                relative = absolute.relative_to(glob.base).as_posix()
            except ValueError:
                try:
                    relative = absolute.resolve().relative_to(glob.base).as_posix()
                except ValueError:
                    continue
            if relative != "." and glob.regex.fullmatch(relative):
                return True
        return False

    def __call__(self, display: str, path: Path, is_dir: bool) -> bool | LoadNote:
        """False: read it; True: skip it; a note: skip it and report why."""
        if self.excluded(path, is_dir):
            return True
        if is_dir and (path / "Chart.yaml").is_file():
            shown = display.rstrip("/") or "."
            return LoadNote(
                file=f"{shown}/Chart.yaml",
                line=None,
                rule=HELM_CHART_RULE,
                severity="info",
                message=(
                    f"{shown} is a Helm chart: its templates are not Kubernetes objects until rendered, so it is "
                    f"not read; check what it renders: helm template <release> {shown} | boundary-policy eval -"
                ),
            )
        return False


@dataclass(frozen=True)
class FindingFilter:
    """--severity and --rule: which findings are reported (and can fail the run). A file that could not be read
    (load-error) is always reported: hiding it would hide that nothing in it was checked."""

    severities: frozenset[Severity] = frozenset()
    rules: frozenset[str] = frozenset()

    @classmethod
    def of(cls, severities: Sequence[Severity], rules: Sequence[str]) -> FindingFilter:
        return cls(frozenset(severities), frozenset(rule.upper() for rule in rules))

    def keeps(self, finding: Finding) -> bool:
        if finding.rule == LOAD_ERROR_RULE:
            return True
        if self.severities and finding.severity not in self.severities:
            return False
        return not self.rules or finding.rule.upper() in self.rules

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        return [finding for finding in findings if self.keeps(finding)]

    def unknown_rules(self, known: Iterable[str]) -> list[str]:
        """The --rule values that name no known rule (for a warning: a typo would otherwise pass silently)."""
        names = {rule.upper() for rule in known}
        return sorted(rule for rule in self.rules if rule not in names)
