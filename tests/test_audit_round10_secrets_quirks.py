"""Round 10: secrets and ``${VAR}`` values as platform engineers really supply them (SPEC §3, §9;
docs/configuration.md "Rules"), where two rules meet.

SPEC §3: "`${VAR}` is replaced from the environment"; "Secrets (tokens) come only from the environment or
from files (`token_file:`), are never logged, never stored, never exported". docs/configuration.md:
"`token_file: PATH`, read at each use, surrounding whitespace stripped"; `check-config` prints "whether
each token and the survey respondent secret can be read (never their values)"; "Only a plain decimal is a
number: `0123456` … stay as written". The configuration file's own UTF-8 BOM is ignored
(tests/test_config.py::test_utf8_bom_is_ignored).

Real token files: written by ``echo`` (trailing LF), by Notepad on Windows (UTF-8 BOM, CRLF), by Windows
PowerShell 5.1 ``echo tok > file`` (UTF-16 LE with its BOM), mounted by Kubernetes (``token`` →
``..data/token`` → ``..2026_03_01/token``, the ``..data`` link swapped on rotation).

End to end: the emulated GitHub (REST) and PagerDuty each check the ``Authorization`` header; what they
received is read from their ``requests`` records, as tests/test_audit_round8_collect_cli.py reads them.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from doraspace.cli import main
from doraspace.config import parse_config
from store.errors import ConfigError
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.emulators.pagerduty import PagerDutyDataset, PagerDutyEmulator

GH_TOKEN = "ghp_R10secretsQuirks0123456789abcd"
PD_TOKEN = "pdR10SecretsQuirks9876543210"
NOW = datetime(2026, 3, 20, tzinfo=UTC)
MINIMAL = "database: {url: 'duckdb:///:memory:'}\n"


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, int(hour), tzinfo=UTC)


@dataclass
class Emulators:
    github: GitHubEmulator
    pagerduty: PagerDutyEmulator


@pytest.fixture(scope="module")
def emulators() -> Iterator[Emulators]:
    """acme/shop: root commit 03-01 00:00, one production deployment 03-02 00:00. PagerDuty service
    PSHOP: one incident 03-04 00:00, resolved 02:00. Each emulator accepts only its own token."""
    github = GitHubDataset()
    shop = github.add_repo("acme/shop")
    shop.deployment(shop.commit("root", author_date=at(1)), created_at=at(2))
    pagerduty = PagerDutyDataset()
    pagerduty.add_incident("PSHOP-1", "PSHOP", "Checkout down", at(4), resolved_at=at(4, 2))
    with (
        GitHubEmulator(github, token=GH_TOKEN) as gh,
        PagerDutyEmulator(pagerduty, token=PD_TOKEN) as pd,
    ):
        yield Emulators(gh, pd)


def write_config(directory: Path, emulators: Emulators, github_token: str, pagerduty_token: str) -> Path:
    """A store of its own in ``directory``; ``github_token``/``pagerduty_token`` are the secret lines
    (``token_file: …`` or ``token: ${…}``)."""
    path = directory / "doraspace.yaml"
    path.write_text(
        f"database:\n  url: duckdb:///{directory}/store.duckdb\n"
        f"github:\n  base_url: {emulators.github.base_url}\n  {github_token}\n"
        "  since: 2026-03-01\n  repositories: [acme/shop]\n  api: rest\n"
        f"pagerduty:\n  base_url: {emulators.pagerduty.base_url}\n  {pagerduty_token}\n"
        f"  ca_bundle: {emulators.pagerduty.ca_file}\n  since: 2026-03-01\n"
        "catalog: {discover: false}\n"
        "teams:\n  - {name: shop, repositories: [acme/shop], pagerduty_services: [PSHOP]}\n",
        encoding="utf-8",
    )
    return path


@dataclass
class Run:
    status: int
    out: str
    err: str
    github_authorizations: list[str]
    pagerduty_authorizations: list[str]


def run(emulators: Emulators, *args: str) -> Run:
    """``doraspace ARGS`` in this process at NOW, and the Authorization headers each emulator received
    during it."""
    github_before, pagerduty_before = len(emulators.github.requests), len(emulators.pagerduty.requests)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(list(args), now=NOW)

    def authorizations(requests: list) -> list[str]:
        return [
            next((value for key, value in record.headers.items() if key.lower() == "authorization"), "")
            for record in requests
        ]

    return Run(
        status,
        out.getvalue(),
        err.getvalue(),
        authorizations(emulators.github.requests[github_before:]),
        authorizations(emulators.pagerduty.requests[pagerduty_before:]),
    )


def one_line(err: str) -> bool:
    """SPEC §2: one clear line on stderr, no traceback."""
    return err.count("\n") == 1 and err.endswith("\n") and "Traceback" not in err


def kubernetes_mount(folder: Path, version: str, content: bytes) -> Path:
    """A Kubernetes secret volume: ``token`` → ``..data/token``, ``..data`` → ``version`` (swapped
    atomically on rotation, as the kubelet does). Returns the ``token`` path."""
    folder.mkdir(exist_ok=True)
    (folder / version).mkdir()
    (folder / version / "token").write_bytes(content)
    (folder / "..data_tmp").symlink_to(version)
    os.replace(folder / "..data_tmp", folder / "..data")
    token = folder / "token"
    if not token.is_symlink():
        token.symlink_to("..data/token")
    return token


# ------------------------------------------------------------------------ end to end: what is sent


def test_echo_and_crlf_token_files_behind_a_kubernetes_mount_are_sent_exactly(
    emulators: Emulators, tmp_path: Path
) -> None:
    """token_file "surrounding whitespace stripped" × the header the API receives × "never logged".

    GitHub's token file was written on Windows with padding: ``"  <GH>  \\r\\n\\r\\n"``; PagerDuty's is
    a Kubernetes mount (two symlinks) whose file ``echo`` wrote: ``"<PD>\\n"``. Stripped, each is the
    exact token, so every GitHub request carries ``token <GH>`` and every PagerDuty request ``Token
    token=<PD>`` (nothing after the token: each emulator compares exactly, PagerDuty's the whole header)
    and each answers 200. The sync: 1 repository, 1 deployment (03-02, after since 03-01), 1 service,
    1 incident (03-04). Exit 0; neither token in stdout or stderr."""
    (tmp_path / "gh.token").write_bytes(b"  " + GH_TOKEN.encode() + b"  \r\n\r\n")
    pd_token = kubernetes_mount(tmp_path / "pd", "..2026_03_01", PD_TOKEN.encode() + b"\n")
    config = write_config(
        tmp_path, emulators, f"token_file: {tmp_path / 'gh.token'}", f"token_file: {pd_token}"
    )
    result = run(emulators, "collect", "--config", str(config))
    assert result.status == 0, result.err
    assert result.github_authorizations and set(result.github_authorizations) == {f"token {GH_TOKEN}"}
    assert result.pagerduty_authorizations and set(result.pagerduty_authorizations) == {
        f"Token token={PD_TOKEN}"
    }
    assert "github: 1 repositories, 1 deployments updated" in result.err
    assert "pagerduty: 1 services, 1 incidents updated" in result.err
    for token in (GH_TOKEN, PD_TOKEN):
        assert token not in result.out + result.err


def test_a_token_file_saved_by_notepad_with_a_bom_and_crlf_is_the_token(
    emulators: Emulators, tmp_path: Path
) -> None:
    """token_file "surrounding whitespace stripped" × the UTF-8 BOM Windows editors write (which
    doraspace already ignores in its own configuration file).

    gh.token is ``EF BB BF`` + ``<GH>`` + ``\\r\\n``; pd.token likewise with ``<PD>``. The BOM is an
    encoding mark, not part of the text: the secrets are ``<GH>`` and ``<PD>``, the same run as the
    test above: exit 0, every GitHub request ``token <GH>``, every PagerDuty one ``Token token=<PD>``,
    1 deployment and 1 incident collected."""
    (tmp_path / "gh.token").write_bytes(b"\xef\xbb\xbf" + GH_TOKEN.encode() + b"\r\n")
    (tmp_path / "pd.token").write_bytes(b"\xef\xbb\xbf" + PD_TOKEN.encode() + b"\r\n")
    config = write_config(
        tmp_path,
        emulators,
        f"token_file: {tmp_path / 'gh.token'}",
        f"token_file: {tmp_path / 'pd.token'}",
    )
    result = run(emulators, "collect", "--config", str(config))
    assert result.status == 0, result.err
    assert result.github_authorizations and set(result.github_authorizations) == {f"token {GH_TOKEN}"}
    assert set(result.pagerduty_authorizations) == {f"Token token={PD_TOKEN}"}
    assert "github: 1 repositories, 1 deployments updated" in result.err


@pytest.mark.parametrize("origin", ["token_file", "environment"])
def test_a_two_line_secret_stops_with_one_line_that_never_shows_it(
    emulators: Emulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, origin: str
) -> None:
    """ "never logged" (§3) × a secret that is not one line (a token file holding the token and a
    second line, or ``$R10_SQ_GH`` set from ``$(cat file)`` of such a file: ``"<GH>\\nsecond"``).

    Stripping leaves ``"<GH>\\nsecond"``: no HTTP header can carry it, so the run cannot succeed.
    Whatever the product decides (a configuration error, exit 2, or a runtime one, exit 1), §2 asks for
    one clear line on stderr, and §3 forbids the token in it. Expected: exit 1 or 2, one line naming
    ``github.token``, ``<GH>`` nowhere in stdout or stderr."""
    two_lines = f"{GH_TOKEN}\nsecond\n"
    if origin == "token_file":
        (tmp_path / "gh.token").write_text(two_lines, encoding="utf-8")
        github_token = f"token_file: {tmp_path / 'gh.token'}"
    else:
        monkeypatch.setenv("R10_SQ_GH", two_lines)
        github_token = "token: ${R10_SQ_GH}"
    monkeypatch.setenv("R10_SQ_PD", PD_TOKEN)
    config = write_config(tmp_path, emulators, github_token, "token: ${R10_SQ_PD}")
    result = run(emulators, "collect", "--config", str(config), "--source", "github")
    assert result.status in (1, 2)
    assert GH_TOKEN not in result.out + result.err
    assert one_line(result.err) and "github.token" in result.err, result.err


def test_a_powershell_utf16_token_file_is_reported_by_key_not_a_crash(
    emulators: Emulators, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check-config "prints … whether each token … can be read" (docs) × a token file it cannot decode.

    Windows PowerShell 5.1 ``echo <GH> > gh.token`` writes UTF-16 LE with BOM ``FF FE``. doraspace reads
    token files as UTF-8 (docs say nothing of other encodings), so this one cannot be read, like a
    missing file, which round 6 shows is reported on the ``github.token`` line with exit 0 (check-config
    uses no secret). Expected: check-config exits 0, its ``github.token:`` line names
    ``github.token_file`` and the path and is not ``set``, ``pagerduty.token: set``; ``collect --source
    github`` exits 1 or 2 with one line naming ``github.token_file``; GitHub is never asked."""
    path = tmp_path / "gh.token"
    path.write_bytes(("\ufeff" + GH_TOKEN + "\r\n").encode("utf-16-le"))
    monkeypatch.setenv("R10_SQ_PD", PD_TOKEN)
    config = write_config(tmp_path, emulators, f"token_file: {path}", "token: ${R10_SQ_PD}")
    checked = run(emulators, "check-config", "--config", str(config))
    assert checked.status == 0, checked.err
    lines = checked.out.splitlines()
    [github_line] = [line for line in lines if line.startswith("github.token: ")]
    assert "github.token_file" in github_line and str(path) in github_line
    assert "pagerduty.token: set" in lines
    collected = run(emulators, "collect", "--config", str(config), "--source", "github")
    assert collected.status in (1, 2) and one_line(collected.err), collected.err
    assert "github.token_file" in collected.err
    assert collected.github_authorizations == []


# ------------------------------------------------------------------------ configuration level


def test_a_kubernetes_secret_rotated_by_swapping_its_data_link_is_read_at_the_next_use(
    tmp_path: Path,
) -> None:
    """token_file "read at each use" × Kubernetes' symlinked mount × whitespace stripping.

    The mount first holds ``"old-token\\r\\n"`` (..2026_03_01); the configuration is loaded once; the
    kubelet then writes ``..2026_03_02/token`` = ``" new-token\\n"`` and swaps ``..data``. The same
    Secret reads ``old-token`` before the swap and ``new-token`` after it; its origin names the path as
    configured (``file <mount>/token``), never a value."""
    token = kubernetes_mount(tmp_path / "gh", "..2026_03_01", b"old-token\r\n")
    config = parse_config(
        MINIMAL + f"github:\n  token_file: {token}\n", path="c.yaml", environ={}, cwd=str(tmp_path), now=NOW
    )
    assert config.github is not None
    secret = config.github.token
    assert secret.value() == "old-token"
    kubernetes_mount(tmp_path / "gh", "..2026_03_02", b" new-token\n")
    assert secret.value() == "new-token"
    assert secret.origin == f"file {token}"
    assert "old-token" not in repr(secret) and "new-token" not in repr(secret) + secret.origin


def test_a_token_file_holding_only_a_bom_and_crlf_is_empty(tmp_path: Path) -> None:
    """ "surrounding whitespace stripped" × the empty-file rule × a BOM (Notepad saving an empty file
    with a line break). Text ``"\\r\\n"`` after the encoding mark: stripped, nothing, so as for ``"\\n"``
    (tests/test_config.py::test_empty_token_file) the use fails with
    ``c.yaml:3: github.token_file: <path> is empty``."""
    path = tmp_path / "gh.token"
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    config = parse_config(
        MINIMAL + "github:\n  token_file: gh.token\n", path="c.yaml", environ={}, cwd=str(tmp_path), now=NOW
    )
    assert config.github is not None
    assert config.github.token.problem() == f"c.yaml:3: github.token_file: {path} is empty"


def test_environment_values_are_taken_as_text_once_not_interpolated_again() -> None:
    """``${VAR}`` replaced from the environment × ``$${`` the literal escape × secret stripping.

    The replacement is one pass over the configuration text: what a variable holds is not itself
    looked at again (as shells and docker compose do). So:

    * ``github.token: ${R10_T}`` with R10_T = ``"  a${B}c$${d}\\n"`` (B set to ``bee``) is the
      secret ``a${B}c$${d}`` (surrounding whitespace stripped, ``${B}`` not replaced, ``$${`` kept);
    * ``rework.labels: ['${R10_L}', '$${R10_L}']`` with R10_L = ``x$${y`` is ``x$${y`` (kept as held)
      and the literal text ``${R10_L}`` (the escape in the file itself)."""
    environ = {"R10_T": "  a${B}c$${d}\n", "B": "bee", "R10_L": "x$${y"}
    text = MINIMAL + "github:\n  token: ${R10_T}\nrework:\n  labels: ['${R10_L}', '$${R10_L}']\n"
    config = parse_config(text, path="c.yaml", environ=environ, cwd="/tmp", now=NOW)
    assert config.github is not None
    assert config.github.token.value() == "a${B}c$${d}"
    assert config.rework_labels == ("x$${y", "${R10_L}")


@pytest.mark.parametrize(
    ("key", "written", "read"),
    [
        # docs: "Only a plain decimal is a number: 0123456 … stay as written" (not YAML 1.1 octal 8)
        ("teams:\n  - name: a\n    headcount: {}\n", "010", lambda c: c.teams[0].headcount),
        ("teams:\n  - name: a\n    headcount: {}\n", "8.0", lambda c: c.teams[0].headcount),
        ("github:\n  rate_limit_reserve: {}\n", "1e-1", lambda c: c.github.rate_limit_reserve),
        ("surveys:\n  min_group_size: {}\n", "05", lambda c: c.surveys.min_group_size),
        ("http:\n  listen: {}\n", "0.0.0.0:09464", lambda c: (c.http.host, c.http.port)),
        ("incidents:\n  attribution_window: {}\n", "1h30m", lambda c: c.attribution_window),
    ],
    ids=["headcount-010", "headcount-8.0", "reserve-1e-1", "min-group-05", "listen-09464", "window-1h30m"],
)
def test_a_typed_value_from_the_environment_reads_as_the_same_text_written_in_the_file(
    key: str, written: str, read: object
) -> None:
    """``${VAR}`` × typed keys: a value moved from the file to the environment (a Helm chart's
    ``env:``, often with a trailing newline from a ConfigMap) must mean the same.

    Worked by hand: headcount ``010`` → 10 (plain decimal digits, docs), ``8.0`` → 8 (whole);
    rate_limit_reserve ``1e-1`` → 0.1 (0 ≤ x < 1); min_group_size ``05`` → 5 (≥ 3); listen
    ``0.0.0.0:09464`` → host 0.0.0.0, port 9464; attribution_window ``1h30m`` → 90 minutes. The
    environment value is ``" <text>\\n"``: surrounding whitespace is no part of a number."""
    from_file = parse_config(MINIMAL + key.format(written), path="c.yaml", environ={}, cwd="/tmp", now=NOW)
    from_env = parse_config(
        MINIMAL + key.format("${R10_V}"),
        path="c.yaml",
        environ={"R10_V": f" {written}\n"},
        cwd="/tmp",
        now=NOW,
    )
    expected = {
        "010": 10,
        "8.0": 8,
        "1e-1": 0.1,
        "05": 5,
        "0.0.0.0:09464": ("0.0.0.0", 9464),
        "1h30m": timedelta(minutes=90),
    }[written]
    assert read(from_file) == expected  # type: ignore[operator]
    assert read(from_env) == expected  # type: ignore[operator]


def test_a_service_id_from_the_environment_is_the_same_service_as_the_one_written() -> None:
    """``${VAR}`` × "Only a plain decimal is a number: 0123456 … stay as written" × one team per
    service / a service listed once. ``pagerduty.service_ids: ['${R10_S}', 0123]`` with R10_S = ``0123``:
    both entries are the id ``0123`` (not 83, not 123), so the second is a repeat of the first: one
    line, ``c.yaml:3: pagerduty.service_ids[1]: '0123' is listed twice (first at c.yaml:3)``."""
    text = MINIMAL + "pagerduty:\n  service_ids: ['${R10_S}', 0123]\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, path="c.yaml", environ={"R10_S": "0123"}, cwd="/tmp", now=NOW)
    assert str(info.value) == "c.yaml:3: pagerduty.service_ids[1]: '0123' is listed twice (first at c.yaml:3)"


def test_whitespace_only_and_yaml_looking_env_values_in_a_whole_number_key_are_refused_by_key() -> None:
    """``${VAR}`` × whole-number keys: ``yes`` in the environment is the text ``yes`` (the environment
    is not YAML), not a boolean and not 1; ``1e3`` is not a plain decimal (docs). Each is one line naming
    the key and the value as given."""
    key = "teams:\n  - name: a\n    headcount: ${R10_H}\n"
    for value in ("yes", "1e3"):
        with pytest.raises(ConfigError) as info:
            parse_config(MINIMAL + key, path="c.yaml", environ={"R10_H": value}, cwd="/tmp", now=NOW)
        assert str(info.value) == f"c.yaml:4: teams[0].headcount: must be a whole number (got '{value}')"
