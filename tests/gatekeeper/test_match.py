"""spec.match pieces that the differential fixtures cannot reach or that need exact edge cases."""

from __future__ import annotations

import pytest

from boundary_policy.gatekeeper.match import (
    CLUSTER_SCOPED,
    Match,
    MatchError,
    SelectorError,
    matches,
    parse_match,
    parse_selector,
    wildcard_matches,
    wildcard_matches_generate_name,
)

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "team-a", "labels": {"app": "web"}},
}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1"}}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a", "labels": {"env": "prod"}}}


@pytest.mark.parametrize(
    ("pattern", "candidate", "expected"),
    [
        ("team-a", "team-a", True),
        ("team-a", "team-ab", False),
        ("team-*", "team-a", True),
        ("team-*", "my-team-a", False),
        ("*-prod", "shop-prod", True),
        ("*-prod", "shop-prod-2", False),
        ("*shared*", "myshared1", True),
        ("*", "", True),
        ("*", "anything", True),
        ("**", "x", True),
    ],
)
def test_wildcards(pattern: str, candidate: str, expected: bool) -> None:
    assert wildcard_matches(pattern, candidate) is expected


def test_generate_name_only_for_prefix_and_contains_patterns() -> None:
    assert wildcard_matches_generate_name("gen-*", "gen-")
    assert wildcard_matches_generate_name("*en-*", "gen-")
    assert not wildcard_matches_generate_name("*-", "gen-")
    assert not wildcard_matches_generate_name("gen-", "gen-")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]}, "values set can't be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}, "values set must be empty"),
        ({"matchExpressions": [{"key": "a", "operator": "Equals"}]}, '"Equals" is not a valid label selector operator'),
    ],
)
def test_invalid_selectors_are_refused(raw: dict[str, object], message: str) -> None:
    with pytest.raises(SelectorError, match=message):
        parse_selector(raw)


def test_selector_semantics() -> None:
    selector = parse_selector(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["back"]},
                {"key": "legacy", "operator": "DoesNotExist"},
            ],
        }
    )
    assert selector.matches({"app": "web"})
    assert selector.matches({"app": "web", "tier": "front"})
    assert not selector.matches({"app": "web", "tier": "back"})
    assert not selector.matches({"app": "web", "legacy": ""})
    assert parse_selector({}).matches({})


def test_no_match_block_matches_everything() -> None:
    assert matches(None, NODE, CLUSTER_SCOPED)
    assert parse_match(None) is None


def test_cluster_scoped_objects_under_gator_and_in_cluster() -> None:
    cluster = parse_match({"scope": "Cluster"})
    namespaced = parse_match({"scope": "Namespaced"})
    only_team = parse_match({"namespaces": ["team-*"]})
    # gator attaches an empty Namespace to cluster-scoped objects (verified with gator v3.23.0) ...
    assert not matches(cluster, NODE, CLUSTER_SCOPED)
    assert matches(namespaced, NODE, CLUSTER_SCOPED)
    assert not matches(only_team, NODE, CLUSTER_SCOPED)
    # ... while the webhook and audit pass none.
    assert matches(cluster, NODE, None)
    assert not matches(namespaced, NODE, None)
    assert matches(only_team, NODE, None)
    # A Namespace is matched on its own name and labels.
    assert matches(cluster, NAMESPACE, CLUSTER_SCOPED)
    assert matches(only_team, NAMESPACE, CLUSTER_SCOPED)
    assert matches(parse_match({"namespaceSelector": {"matchLabels": {"env": "prod"}}}), NAMESPACE, CLUSTER_SCOPED)


def test_missing_namespace_with_namespace_selector_is_a_match_error() -> None:
    match = parse_match({"namespaceSelector": {"matchLabels": {"env": "prod"}}})
    with pytest.raises(MatchError, match="web-1 :failed to run Match criteria: namespace selector for namespace"):
        matches(match, POD, None)
    assert matches(match, POD, NAMESPACE)
    # Other matchers that already fail decide first: no error.
    assert not matches(parse_match({"kinds": [{"kinds": ["Node"]}], "namespaceSelector": {}}), POD, None)


def test_source_and_invalid_source() -> None:
    assert matches(parse_match({"source": "Generated"}), POD, NAMESPACE, "Generated")
    assert not matches(parse_match({"source": "Generated"}), POD, NAMESPACE, "Original")
    assert matches(parse_match({"source": "All"}), POD, NAMESPACE, "Generated")
    # The Constraint CRD's enum refuses it before any match (gator v3.23: "schema validation failed").
    with pytest.raises(SelectorError, match=r'spec\.match\.source: Unsupported value: "Everything"'):
        parse_match({"source": "Everything"})
    with pytest.raises(MatchError, match='invalid source field "Everything"'):
        matches(Match(source="Everything"), POD, NAMESPACE)


def test_namespace_falls_back_to_metadata_when_unknown() -> None:
    assert not matches(parse_match({"excludedNamespaces": ["team-*"]}), POD, None)
    assert matches(parse_match({"namespaces": ["team-a"]}), POD, None)
