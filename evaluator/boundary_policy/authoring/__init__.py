"""Writing the rules: the catalog read from each policy's METADATA, what `generate` renders from it (the
gatekeeper/ templates and Constraints, the rule documentation) and the Rego unit tests (`test`)."""

__all__: list[str] = []
