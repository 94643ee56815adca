"""The certificates of a private control plane, made with the openssl CLI: one CA signs the API server's and the
webhook's serving certificates and the client certificates; an EC key pair signs service account tokens."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

_EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
_DAYS = "7"


def _openssl(*args: str) -> None:
    completed = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"openssl {args[0]} failed: {completed.stderr.strip()}")


@dataclass(frozen=True)
class KeyPair:
    cert: Path
    key: Path


@dataclass(frozen=True)
class Pki:
    ca: KeyPair
    apiserver: KeyPair
    webhook: KeyPair
    admin: KeyPair
    user: KeyPair
    service_account_key: Path
    service_account_pub: Path


def _signed(directory: Path, ca: KeyPair, name: str, subject: str, extensions: list[str]) -> KeyPair:
    pair = KeyPair(directory / f"{name}.crt", directory / f"{name}.key")
    request, extfile = directory / f"{name}.csr", directory / f"{name}.ext"
    extfile.write_text("\n".join(["basicConstraints=critical,CA:FALSE", *extensions]) + "\n", encoding="utf-8")
    _openssl("req", *_EC_KEY, "-keyout", str(pair.key), "-subj", subject, "-out", str(request))
    _openssl(
        *("x509", "-req", "-in", str(request), "-CA", str(ca.cert), "-CAkey", str(ca.key), "-CAcreateserial"),
        *("-days", _DAYS, "-extfile", str(extfile), "-out", str(pair.cert)),
    )
    return pair


def make_pki(directory: Path, admin_user: str, user: str) -> Pki:
    """Everything under `directory`; both client certificates are in group system:masters (all rights)."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = KeyPair(directory / "ca.crt", directory / "ca.key")
    _openssl(
        *("req", "-x509", *_EC_KEY, "-keyout", str(ca.key), "-out", str(ca.cert), "-days", _DAYS),
        *("-subj", "/CN=boundary-policy-test-ca", "-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )
    server = ["keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth"]
    apiserver = _signed(
        directory,
        ca,
        "apiserver",
        "/CN=kube-apiserver",
        [*server, "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc"],
    )
    # Gatekeeper's own name for its webhook service, plus the address the API server really calls.
    webhook = _signed(
        directory,
        ca,
        "webhook",
        "/CN=gatekeeper-webhook-service.gatekeeper-system.svc",
        [*server, "subjectAltName=IP:127.0.0.1,DNS:gatekeeper-webhook-service.gatekeeper-system.svc"],
    )
    client = ["keyUsage=critical,digitalSignature", "extendedKeyUsage=clientAuth"]
    admin = _signed(directory, ca, "admin", f"/O=system:masters/CN={admin_user}", client)
    other = _signed(directory, ca, "user", f"/O=system:masters/CN={user}", client)
    sa_key, sa_pub = directory / "service-account.key", directory / "service-account.pub"
    _openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(sa_key))
    _openssl("ec", "-in", str(sa_key), "-pubout", "-out", str(sa_pub))
    return Pki(ca, apiserver, webhook, admin, other, sa_key, sa_pub)
