"""Reading a live cluster through the kubeconfig (kubeconfig.py) for `--inventory kube:` (inventory.py)."""

__all__: list[str] = []
