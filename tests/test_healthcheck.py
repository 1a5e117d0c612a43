"""The container health check probes /healthz over HTTP or HTTPS and needs no credentials."""

from __future__ import annotations

from pathlib import Path

import bcrypt
import trustme

from dashboards.exporter import Exposition
from doraspace.healthcheck import main
from doraspace.http_server import HttpServer


def test_healthcheck_passes_over_tls_with_basic_auth_and_fails_when_nothing_listens(tmp_path: Path) -> None:
    cert = trustme.CA().issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.private_key_pem.write_to_path(str(key_file))
    cert_file.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    users = {"prometheus": bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()}
    server = HttpServer(
        Exposition(),
        host="127.0.0.1",
        port=0,
        tls_cert_file=str(cert_file),
        tls_key_file=str(key_file),
        basic_auth_users=users,
    ).start()
    try:
        port = server.port
        assert main([f"http://127.0.0.1:{port}/healthz", f"https://127.0.0.1:{port}/healthz"]) == 0
        assert main([f"https://127.0.0.1:{port}/metrics"]) == 1  # everything else still needs credentials
    finally:
        server.stop()
    assert main([f"https://127.0.0.1:{port}/healthz"]) == 1
