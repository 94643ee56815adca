# METADATA
# title: Boundary pod annotations
# description: >-
#   The boundary-policy/ annotations a pod (template) declares what its manifest cannot show with
#   (docs/semantics.md#annotations): which containers run Boundary, and its jail type, no-user-namespace option
#   and version.
package lib.boundary.annotations

container := "boundary-policy/container"

jail_type := "boundary-policy/jail-type"

no_user_namespace := "boundary-policy/no-user-namespace"

version := "boundary-policy/boundary-version"
