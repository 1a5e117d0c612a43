"""A real Prometheus on loopback for tests: scrapes one target every second, answers PromQL queries.

``running_prometheus("127.0.0.1:9464")`` starts ``/usr/bin/prometheus`` with a temporary TSDB and a
free port, waits until it is ready, and stops it cleanly (SIGTERM, then wait) on exit. Without the
binary the test is skipped, unless ``CI`` is set: there a missing Prometheus is a broken runner.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest
import yaml

PROMETHEUS = Path("/usr/bin/prometheus")
JOB = "doraspace"

T = TypeVar("T")


class PrometheusQueryError(AssertionError):
    """Prometheus refused a query (a parse error, say); the message is Prometheus' own."""


def require_binary(binary: Path = PROMETHEUS) -> Path:
    if not binary.exists():
        message = f"prometheus missing: apt-get install prometheus (looked for {binary})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return binary


def free_port() -> int:
    # Racy in theory (another process could take it before Prometheus binds), harmless on loopback.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Prometheus:
    """A running Prometheus, queried through its HTTP API."""

    def __init__(self, url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.url = url
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The result of an instant query: a list of ``{"metric": {...}, "value": [t, "v"]}``."""
        data = self._get("/api/v1/query", {"query": expr})
        if data["resultType"] not in ("vector", "matrix"):
            # A scalar or string has no series; wrap it so callers can treat every answer alike.
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        data = self._get("/api/v1/query_range", {"query": expr, "start": start, "end": end, "step": step})
        result: list[dict[str, Any]] = data["result"]
        return result

    def label_values(self, label: str, match: str) -> list[str]:
        """What Grafana's ``label_values(match, label)`` lists."""
        values: list[str] = self._get_json(f"/api/v1/label/{label}/values", {"match[]": match})
        return values

    def wait_for(self, expr: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Polls until ``expr`` has at least one sample, e.g. until the target was scraped twice."""
        return _poll(lambda: self.query(expr) or None, timeout, f"no data for {expr!r}", self.log)

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = self._get_json(path, params)
        return data

    def _get_json(self, path: str, params: dict[str, Any]) -> Any:
        url = f"{self.url}{path}?{urlencode(params)}"
        try:
            with urlopen(url, timeout=10) as response:
                body = json.load(response)
        except HTTPError as error:
            # Bad queries answer 400/422 with a JSON error; keep Prometheus' message.
            with error:
                body = json.loads(error.read() or b"{}")
            raise PrometheusQueryError(f"{params}: {body.get('errorType')}: {body.get('error')}") from None
        if body.get("status") != "success":
            raise PrometheusQueryError(f"{params}: {body}")
        return body["data"]


def _poll(attempt: Callable[[], T | None], timeout: float, what: str, log: Callable[[], str]) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = attempt()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} after {timeout:.0f} s; Prometheus log:\n{log()}")
        time.sleep(0.2)


@contextmanager
def running_prometheus(
    target: str, *, binary: Path = PROMETHEUS, metrics_path: str = "/metrics", ready_timeout: float = 20.0
) -> Iterator[Prometheus]:
    """Prometheus scraping ``target`` (``host:port``, plain http) every second, on a free loopback port."""
    binary = require_binary(binary)
    with tempfile.TemporaryDirectory(prefix="doraspace-prometheus-") as tmp:
        workdir = Path(tmp)
        config = workdir / "prometheus.yml"
        config.write_text(
            yaml.safe_dump(
                {
                    "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
                    "scrape_configs": [
                        {
                            "job_name": JOB,
                            "scheme": "http",
                            "metrics_path": metrics_path,
                            "scrape_interval": "1s",
                            "static_configs": [{"targets": [target]}],
                        }
                    ],
                }
            )
        )
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = workdir / "prometheus.log"
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    str(binary),
                    f"--config.file={config}",
                    f"--storage.tsdb.path={workdir / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--log.level=warn",
                ],
                cwd=workdir,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            prometheus = Prometheus(url, process, log_path)
            try:
                _wait_ready(prometheus, ready_timeout)
                yield prometheus
            finally:
                _stop(process)


def _wait_ready(prometheus: Prometheus, timeout: float) -> None:
    def ready() -> bool | None:
        if prometheus.process.poll() is not None:
            raise AssertionError(
                f"prometheus exited with {prometheus.process.returncode}:\n{prometheus.log()}"
            )
        try:
            with urlopen(f"{prometheus.url}/-/ready", timeout=1) as response:
                return True if response.status == 200 else None
        except (URLError, ConnectionError, HTTPError):
            return None  # not listening yet, or 503 while the TSDB opens

    _poll(ready, timeout, "prometheus not ready", prometheus.log)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()  # SIGTERM: Prometheus closes the TSDB and exits 0
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
