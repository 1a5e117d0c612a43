"""The Dockerfile cannot be built here (no Docker engine): its key lines are checked instead, and kept
a mirror of the README's install."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def test_slim_python_311_base() -> None:
    assert instructions("FROM") == ["python:3.11-slim"]


def test_locked_install_without_downloading_a_python() -> None:
    assert "UV_PYTHON_DOWNLOADS=never" in DOCKERFILE
    assert any("uv sync --frozen" in run for run in instructions("RUN"))
    assert any("uv.lock" in copy for copy in instructions("COPY"))


def test_every_package_is_copied() -> None:
    copied = " ".join(instructions("COPY"))
    for package in ("store", "collector", "analytics", "dashboards", "surveys", "doraspace"):
        assert f"COPY {package} " in f"COPY {copied} ".replace(" ./", " ./ COPY ").replace(
            "COPY COPY", "COPY"
        )
        assert (ROOT / package / "__init__.py").exists()


def test_runs_as_a_non_root_user_with_a_data_volume() -> None:
    users = instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert instructions("VOLUME")
    assert instructions("EXPOSE") == ["9464"]


def test_healthcheck_probes_healthz_on_the_exposed_port() -> None:
    (healthcheck,) = instructions("HEALTHCHECK")
    assert re.search(r"127\.0\.0\.1:9464/healthz", healthcheck)


def test_serves_by_default_with_config_from_env_or_mount() -> None:
    assert instructions("CMD") == ['["serve"]']
    assert "DORASPACE_CONFIG=/etc/doraspace/doraspace.yaml" in DOCKERFILE


def test_no_secret_is_baked_in() -> None:
    assert not re.search(r"(?i)(token|secret|password)\s*=", " ".join(instructions("ENV")))


def test_readme_install_matches() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "uv" in readme and "uv.lock" in readme and "UV_PYTHON_DOWNLOADS=never" in readme
    assert "Dockerfile" in readme
