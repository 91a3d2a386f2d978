"""Certificates made at test time with the openssl command: a CA, a server certificate for 127.0.0.1 and
localhost, and a client certificate (for mutual TLS), all signed by that CA, each as PEM files."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Certificates:
    ca: Path            # the CA certificate (clients' and the broker's trust store)
    server_pem: Path    # the server's private key and certificate in one file (ssl.keystore.location)
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path      # a CA that signed nothing the broker trusts
    stranger_cert: Path  # a client certificate signed by other_ca
    stranger_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(d: Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=d)


def _signed(d: Path, name: str, ca: str, subject: str, extensions: str) -> None:
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{name}.key",
             "-out", f"{name}.csr", cwd=d)
    (d / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)


def make_certificates(d: Path) -> Certificates:
    d.mkdir(parents=True, exist_ok=True)
    _ca(d, "ca")
    _ca(d, "otherca")
    _signed(d, "server", "ca", "/CN=kairos-test-broker",
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _signed(d, "client", "ca", "/CN=alice", "extendedKeyUsage=clientAuth\n")
    _signed(d, "stranger", "otherca", "/CN=mallory", "extendedKeyUsage=clientAuth\n")
    (d / "server-keystore.pem").write_text((d / "server.key").read_text() + (d / "server.crt").read_text())
    return Certificates(ca=d / "ca.pem", server_pem=d / "server-keystore.pem", server_cert=d / "server.crt",
                        server_key=d / "server.key", client_cert=d / "client.crt", client_key=d / "client.key",
                        other_ca=d / "otherca.pem", stranger_cert=d / "stranger.crt", stranger_key=d / "stranger.key")
