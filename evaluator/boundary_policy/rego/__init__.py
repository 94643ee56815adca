"""Rego source text: `source` reads it without parsing (tokens, refs, the package statement)."""

__all__: list[str] = []
