# Pinned toolchain: the OPA inside Gatekeeper v3.23, gator of the same release, and Regal.
OPA_VERSION=v1.17.1
GATOR_VERSION=v3.23.0
REGAL_VERSION=v0.39.0
# For the helm/kustomize integration tests (`helm template … | boundary-policy eval -`).
KUSTOMIZE_VERSION=v5.7.1
HELM_VERSION=v3.19.0
# The real control plane of the cluster tests (scripts/setup-cluster, scripts/cluster).
KUBERNETES_VERSION=v1.34.2
ETCD_VERSION=v3.6.5
GATEKEEPER_VERSION=v3.23.0
