"""input.review for plain objects and AdmissionReview requests, and data.inventory paths.

The plain-object review is compared field for field with gator in the `review-shape` fixture; these
tests pin the parts gator test cannot show (AdmissionReview, DELETE) and the inventory layout.
"""

from __future__ import annotations

from boundary_policy.gatekeeper.review import admission_request_review, build_inventory, object_review

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "apps"}}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps"}}


def test_plain_object_review() -> None:
    assert object_review(POD) == {
        "uid": "",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "", "resource": ""},
        "name": "p",
        "namespace": "apps",
        "operation": "",
        "userInfo": {},
        "object": POD,
        "oldObject": None,
        "options": None,
        "namespaceObject": {},
    }
    assert "namespace" not in object_review(NODE)
    assert object_review(DEPLOYMENT)["kind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}


def test_admission_request_review_keeps_operation_and_user() -> None:
    request = {
        "uid": "123",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": "apps",
        "name": "p",
        "operation": "UPDATE",
        "userInfo": {"username": "alice", "groups": ["dev"], "unknown": 1},
        "object": POD,
        "oldObject": POD,
        "dryRun": False,
        "ignored": True,
    }
    review = admission_request_review(request)
    assert review["operation"] == "UPDATE"
    assert review["userInfo"] == {"username": "alice", "groups": ["dev"]}
    assert review["dryRun"] is False and "ignored" not in review
    assert review["namespaceObject"] == {}


def test_delete_reviews_the_old_object() -> None:
    review = admission_request_review(
        {"operation": "DELETE", "oldObject": POD, "kind": {"version": "v1", "kind": "Pod"}}
    )
    assert review["object"] == POD and review["oldObject"] == POD
    assert review["kind"] == {"group": "", "version": "v1", "kind": "Pod"}
    assert review["options"] is None


def test_inventory_paths() -> None:
    inventory = build_inventory([POD, NODE, DEPLOYMENT, {"kind": "NoVersion", "metadata": {"name": "x"}}])
    assert inventory == {
        "namespace": {"apps": {"v1": {"Pod": {"p": POD}}, "apps/v1": {"Deployment": {"web": DEPLOYMENT}}}},
        "cluster": {"v1": {"Node": {"n1": NODE}}},
    }
