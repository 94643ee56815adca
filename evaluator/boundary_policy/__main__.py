"""`python -m boundary_policy`."""

from boundary_policy.cli import main

__all__: list[str] = []

main()
