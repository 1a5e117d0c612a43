"""The container health check: ``python -m doraspace.healthcheck URL [URL …]`` exits 0 when any of the
URLs answers 200. The Dockerfile probes the daemon on loopback over HTTP and HTTPS, since ``http.tls``
may be on; the certificate is not verified for that loopback probe, which carries no secret."""

from __future__ import annotations

import ssl
import sys
import urllib.request
from collections.abc import Sequence


def healthy(url: str, timeout: float = 4.0) -> bool:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # loopback probe of our own process: nothing to authenticate
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as response:  # noqa: S310
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def main(urls: Sequence[str]) -> int:
    return 0 if any(healthy(url) for url in urls) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
