"""Rego source text: `source` reads it (tokens, refs, the package), `v0` rewrites Rego v0 into v1."""

__all__: list[str] = []
