"""Gatekeeper's semantics, offline: what a cluster would admit, decided the way Gatekeeper and gator decide it.

- the policy set: `policy_files` (the bundled gatekeeper/ folder, overridden by the user's files) ->
  `policy_set.build_policy_set` (templates, constraints and expansion parsed and validated, problems listed);
- the objects of the set: `templates`, `constraints` (+ `validation`), `expansion`, `match`, with `openapi`
  (parameter schemas) and `goregex` (Go regular expressions);
- `review` (the `input.review` and `data.inventory` Gatekeeper builds) and `client` (review objects against
  a policy set on an engine: the violations).
"""

__all__: list[str] = []
