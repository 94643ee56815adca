"""A case's assertions on the violation messages, decided and worded as gator does."""

from __future__ import annotations

from collections.abc import Sequence

from boundary_policy.gatekeeper.goregex import GoRegexError, compile_go
from boundary_policy.suites.model import Assertion

__all__ = ["check_assertion"]


def check_assertion(assertion: Assertion, messages: Sequence[str]) -> str | None:
    """None when the messages satisfy the assertion, else why not (gator's wording)."""
    pattern = None
    if assertion.message is not None:
        try:
            pattern = compile_go(assertion.message)
        except GoRegexError as error:
            return f"invalid message regex: {error}"
    matching = sum(1 for m in messages if pattern is None or pattern.search(m))
    want = assertion.violations
    containing = f" matching {_quote(assertion.message)}" if assertion.message is not None else ""
    seen = "; messages seen: " + (", ".join(_quote(m) for m in messages) if messages else "none")
    if isinstance(want, int):
        if want < 0:
            return 'assertion.violations, if set, must be a nonnegative integer, "yes", or "no"'
        if matching != want:
            return f"got {matching} violations{containing} but want exactly {want}{seen}"
        return None
    if want == "yes":
        return None if matching else f"got 0 violations{containing} but want at least 1{seen}"
    if want == "no":
        return None if not matching else f"got {matching} violations{containing} but want none{seen}"
    return f'assertion.violations, if set, must be a nonnegative integer, "yes", or "no" (got {_quote(str(want))})'


def _quote(text: str | None) -> str:
    escaped = (text or "").replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
