"""Reports the reporter tests render: a realistic run, a report of awkward values, and an empty one."""

from __future__ import annotations

from boundary_policy.model import Finding, ResourceRef, RuleInfo, Severity
from boundary_policy.reporters import Report

WORKSPACE = ResourceRef("apps/v1", "Deployment", "coder", "ws-alice")
NODE = ResourceRef("v1", "Node", None, "ip-10-0-2-7.ec2.internal")
NAMESPACE = ResourceRef("v1", "Namespace", None, "coder")

CATALOG = {
    "BND010": RuleInfo(
        id="BND010",
        title="CAP_NET_ADMIN missing",
        description="nsjail needs CAP_NET_ADMIN in the agent container to set up the jail's network namespace.",
        severity="error",
        fix="Add NET_ADMIN to securityContext.capabilities.add of the agent container.",
        related_resources=("https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s",),
        help_uri="https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s",
    ),
    "BND020": RuleInfo(
        id="BND020",
        title="User namespaces disabled on a candidate node",
        description="The node the workspace can land on allows no user namespaces, so nsjail cannot start.",
        severity="error",
        fix="Set user.max_user_namespaces above 0 on the node class, or keep the workspace off these nodes.",
    ),
    "BND023": RuleInfo(
        id="BND023",
        title="User-namespace support unknown",
        description="The OS of the candidate nodes is unknown, or no inventory was given.",
        severity="warning",
        fix="Pass the node inventory with --inventory.",
    ),
    "BND050": RuleInfo(
        id="BND050",
        title="Pod Security Admission forbids the jail",
        description="The namespace's enforce label rejects what the jail needs.",
        severity="error",
        fix="",
    ),
    "BND070": RuleInfo(
        id="BND070",
        title="Advice: pin the Boundary version",
        description="An unpinned Boundary version can change the jail's requirements.",
        severity="info",
        fix="Pin the agent-firewall module version.",
    ),
}

ACTION: dict[Severity, str] = {"error": "deny", "warning": "warn", "info": "dryrun"}


def finding(
    rule: str,
    severity: Severity,
    message: str,
    *,
    file: str = "manifests/ws.yaml",
    line: int | None = 14,
    resource: ResourceRef | None = WORKSPACE,
    container: str | None = "dev",
    node: str | None = None,
    constraint: tuple[str, str] | None = ("BoundaryNetAdmin", "bnd010"),
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        enforcement_action=ACTION[severity],
        message=message,
        constraint_kind=constraint[0] if constraint else None,
        constraint_name=constraint[1] if constraint else None,
        resource=resource,
        container=container,
        node=node,
        file=file,
        line=line,
    )


def typical() -> Report:
    """A run over five files: errors, a warning and advice, a cluster-scoped resource, a load problem."""
    findings = [
        finding(
            "BND010",
            "error",
            'container "dev" does not add NET_ADMIN; nsjail cannot create the network namespace',
            line=31,
        ),
        finding(
            "BND020",
            "error",
            'node "ip-10-0-2-7.ec2.internal" (Bottlerocket 1.29) sets user.max_user_namespaces to 0',
            line=31,
            node="ip-10-0-2-7.ec2.internal",
            constraint=("BoundaryUserNamespaces", "bnd020"),
        ),
        finding(
            "BND023",
            "warning",
            "user-namespace support of the candidate nodes is unknown",
            file="manifests/ws-unknown-os.yaml",
            line=9,
            resource=ResourceRef("apps/v1", "StatefulSet", "coder", "ws-bob"),
            container="agent",
            constraint=("BoundaryUserNamespacesUnknown", "bnd023"),
        ),
        finding(
            "BND050",
            "error",
            'namespace "coder" enforces PSA baseline, which forbids NET_ADMIN',
            file="inventory/namespaces.yaml",
            line=4,
            resource=NAMESPACE,
            container=None,
            constraint=("BoundaryPodSecurity", "bnd050"),
        ),
        finding(
            "BND070",
            "info",
            "the agent-firewall module version is not pinned",
            line=52,
            constraint=("BoundaryVersionPin", "bnd070"),
        ),
        finding(
            "BND000",
            "error",
            "YAML syntax error: mapping values are not allowed here",
            file="manifests/broken.yaml",
            line=7,
            resource=None,
            container=None,
            constraint=None,
        ),
    ]
    return Report(
        findings=findings,
        resources=12,
        files=5,
        rules=CATALOG,
        tool_version="0.1.0",
        exit_code=1,
        fail_on="error",
        paths=(
            "inventory/namespaces.yaml",
            "manifests/broken.yaml",
            "manifests/clean.yaml",
            "manifests/ws-unknown-os.yaml",
            "manifests/ws.yaml",
        ),
    )


AWKWARD_MESSAGES = (
    "first line\nsecond line\r\nthird line",
    "100% of 50%, a:b, c::d",
    "ünïcødé ✓ 日本語 — “quotes” <tag> & | pipe `tick` *star*",
    "escape \x1b[31mred\x1b[0m bell\x07 nul\x00 tab\tend",
    "::error::injected",
    "",
)


def awkward() -> Report:
    """Values that need escaping in every format, and findings without line, resource, container or constraint."""
    findings = [
        finding("BND010", "error", AWKWARD_MESSAGES[0], file="dir with space/a,b:c.yaml", line=3),
        finding("BND010", "error", AWKWARD_MESSAGES[1], file="dir with space/a,b:c.yaml", line=None),
        finding("BND023", "warning", AWKWARD_MESSAGES[2], file="ünï/cødé.yaml", line=1, container="agënt"),
        finding("USER001", "info", AWKWARD_MESSAGES[3], file="custom%25.yaml", line=2, resource=NODE, container=None),
        finding("BND050", "error", AWKWARD_MESSAGES[4], file="-", line=None, resource=None, container=None),
        finding(
            "BND000",
            "error",
            AWKWARD_MESSAGES[5],
            file="empty.yaml",
            line=None,
            resource=None,
            container=None,
            constraint=None,
        ),
    ]
    return Report(
        findings=findings,
        resources=3,
        files=5,
        rules=CATALOG,
        tool_version="v0.2.0-rc.1",
        exit_code=1,
        fail_on="warning",
    )


def empty() -> Report:
    return Report(findings=[], resources=0, files=0, rules=CATALOG, tool_version="0.1.0", exit_code=0, fail_on="error")


REPORTS = {"typical": typical, "awkward": awkward, "empty": empty}
