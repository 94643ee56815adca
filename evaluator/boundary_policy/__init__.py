"""boundary-policy: Gatekeeper policies and an offline evaluator for Coder Agent Firewall jails."""

__version__ = "0.1.0"

__all__ = ["__version__"]
