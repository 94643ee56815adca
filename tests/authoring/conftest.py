"""A tiny policies/ tree in a temporary project root, written per test so each test may break it its own way."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

NET_ADMIN_POLICY = """\
# METADATA
# title: CAP_NET_ADMIN missing
# description: >-
#   nsjail sets up the jail's network with ip and iptables,
#   which need CAP_NET_ADMIN.
# related_resources:
#   - ref: https://coder.com/docs/ai-coder/agent-firewall/nsjail/k8s
#     description: nsjail on Kubernetes
# custom:
#   id: BND010
#   severity: error
#   kind: BoundaryNetAdminMissing
#   constraint: bnd010-net-admin-missing
#   fix: Add NET_ADMIN to the container's capabilities.
package rules.bnd010

import data.lib.caps

violation contains {"msg": msg, "details": {"rule": "BND010", "container": container.name}} if {
	some container in input.review.object.spec.containers
	not caps.adds(container, "NET_ADMIN")
	msg := sprintf("Pod <%v> container <%v> lacks NET_ADMIN", [input.review.object.metadata.name, container.name])
}
"""

USERNS_POLICY = """\
# METADATA
# title: User namespaces disabled
# description: A synced Node says user.max_user_namespaces is 0.
# custom:
#   id: BND020
#   severity: warning
#   kind: BoundaryUserNamespacesDisabled
#   constraint: bnd020-user-namespaces-disabled
#   fix: Set user.max_user_namespaces in the node's user data.
#   inventory: [Namespace, Node]
#   version: 1.2.0
package rules.bnd020

violation contains {"msg": msg, "details": {"rule": "BND020", "node": name}} if {
	some name, node in data.inventory.cluster.v1.Node
	node.metadata.labels["boundary-policy/max-user-namespaces"] == "0"
	msg := sprintf("Pod <%v>: node <%v> has user namespaces disabled", [input.review.object.metadata.name, name])
}
"""

CAPS_LIB = """\
package lib.caps

adds(container, cap) if {
	some added in container.securityContext.capabilities.add
	upper(added) == cap
}
"""

CAPS_LIB_TEST = """\
package lib.caps_test

import data.lib.caps

test_adds if caps.adds({"securityContext": {"capabilities": {"add": ["net_admin"]}}}, "NET_ADMIN")
"""

ALPHA_LIB = """\
package lib.alpha

first(xs) := xs[0]
"""

LICENSING = """\
title: Licensing
description: Agent Firewall needs the AI Governance add-on as of Coder v2.32.
related_resources:
  - ref: https://coder.com/docs/ai-coder/agent-firewall/version
custom:
  id: BND070
  severity: info
  fix: Get the AI Governance add-on.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root with policies/: two enforced rules, one documented-only rule, two libs and a lib test."""
    policies = tmp_path / "policies"
    write(policies / "rules/bnd010/policy.rego", NET_ADMIN_POLICY)
    write(policies / "rules/bnd020/policy.rego", USERNS_POLICY)
    write(policies / "rules/bnd070/rule.yaml", LICENSING)
    write(policies / "lib/caps/caps.rego", CAPS_LIB)
    write(policies / "lib/caps/caps_test.rego", CAPS_LIB_TEST)
    write(policies / "lib/alpha/alpha.rego", ALPHA_LIB)
    return tmp_path
