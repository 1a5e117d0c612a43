"""Audit, round 5: bad input through the real CLI, where two rules meet (SPEC §2, §3, §4, §7, §9).

The rules under test: bad input (a config, a catalog file, a survey definition or export, a malformed
option) gets ONE line on stderr naming the file and its line and key path (or row and column), exit
status 2, nothing on stdout, and changes nothing: a store that existed keeps every row, and none is
created where there was none. Tokens are never printed. A malformed ``catalog-info.yaml`` is reported
(repo, reason) and skipped whole, and never stops a sync (§4).

Each case combines two things: an unset ``${VAR}`` and an unknown key deep in a section; a UTF-8 BOM
and CRLF line ends before a YAML error, an unknown key or a duplicate key; a survey export with a BOM,
semicolons and a bad row; an unknown team on a store never computed; an import beside a running
``serve``. The existing cases of tests/test_config.py, tests/test_audit_cli_contract.py and
tests/surveys/test_definition.py are not repeated here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_scenarios import at
from tests.github_scenarios import started_at_six as started
from tests.test_audit_cli_contract import (
    AS_OF_TEXT,
    Q3_ANSWERS,
    SURVEY_DEFINITION,
    dump,
    long_export,
    one_line,
    write_config,
    write_world,
)

DORASPACE = Path(sys.executable).with_name("doraspace")
GH_TOKEN = "ghp_round5BadInput0123456789abcdefXYZ"
PREFIX = "doraspace: error: "


def run(capsys: pytest.CaptureFixture[str], *args: str, now: datetime | None = None) -> tuple[int, str, str]:
    """``main(args)`` as the console script would end: exit status (argparse's too), stdout, stderr."""
    try:
        status = main(list(args), now=now)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def refused(status: int, out: str, err: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr: that line's message (after ``doraspace: error:``)."""
    assert (status, out) == (2, ""), (status, out, err)
    assert one_line(err), err
    assert err.startswith(PREFIX), err
    return err[len(PREFIX) :].rstrip("\n")


def crlf_bom(text: str) -> bytes:
    """``text`` as Windows Notepad saves it: a UTF-8 BOM and CRLF line ends."""
    return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8")


# ================================================================ §3: configuration, two faults at once


def config_file(tmp_path: Path, body: str, *, raw: bytes | None = None) -> tuple[Path, Path]:
    """A config whose first two lines name a store that does not exist yet; ``body`` from line 3."""
    store = tmp_path / "store.duckdb"
    text = f"database:\n  url: duckdb:///{store}\n" + body
    path = tmp_path / "c.yaml"
    if raw is None:
        path.write_text(text)
    else:
        path.write_bytes(raw)
    return path, store


@pytest.mark.parametrize("command", [["check-config"], ["metrics"], ["collect", "--source", "github"]])
def test_unset_variable_and_unknown_key_deep_in_github_one_line_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """An unset ``${VAR}`` in an ordinary key (line 5, an error at load, §3 / docs/configuration.md) and
    an unknown key under github.deployments (line 7): either is reported, as one line with its own
    line and key path; no store is made."""
    monkeypatch.delenv("R5_NOPE_URL", raising=False)
    monkeypatch.delenv("R5_NOPE_TOKEN", raising=False)
    config, store = config_file(
        tmp_path,
        "github:\n  token: ${R5_NOPE_TOKEN}\n  base_url: ${R5_NOPE_URL}\n"
        "  deployments:\n    sorce: releases\n",
    )
    message = refused(*run(capsys, *command, "--config", str(config)))
    assert message in (
        f"{config}:5: github.base_url: environment variable R5_NOPE_URL is not set",
        f"{config}:7: github.deployments.sorce: unknown key (did you mean 'source'?)",
    ), message
    assert not store.exists()


@pytest.mark.parametrize("command", [["check-config"], ["collect"], ["serve"]])
def test_an_unset_secret_does_not_hide_an_unknown_key_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """github.token's variable is unset (an error only when a command uses it) and github.deployments
    holds a misspelt key on line 6: the file is invalid whatever the command, so the key is what is
    named, with its line, before any token is asked for or any daemon starts."""
    monkeypatch.delenv("R5_NOPE_TOKEN", raising=False)
    config, store = config_file(
        tmp_path, "github:\n  token: ${R5_NOPE_TOKEN}\n  deployments:\n    enviroment: prod\n"
    )
    message = refused(*run(capsys, *command, "--config", str(config)))
    assert message == f"{config}:6: github.deployments.enviroment: unknown key (did you mean 'environment'?)"
    assert not store.exists()


def test_unset_variable_inside_a_list_item_names_the_item_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``${VAR}`` deep in ``teams[1].survey_names[1]`` (line 8), with a valid team before it."""
    monkeypatch.delenv("R5_ALIAS", raising=False)
    config, store = config_file(
        tmp_path,
        "teams:\n  - name: a\n  - name: b\n    survey_names:\n      - Bee\n      - ${R5_ALIAS}\n",
    )
    message = refused(*run(capsys, "metrics", "--config", str(config)))
    assert message == f"{config}:8: teams[1].survey_names[1]: environment variable R5_ALIAS is not set"
    assert not store.exists()


def test_yaml_syntax_error_after_a_bom_with_crlf_names_the_same_line_as_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A BOM is ignored (§7.2, docs/configuration.md), CRLF is a line end: the unclosed flow sequence
    of line 4 is found at line 5, as in the same file saved with LF and no BOM."""
    body = "metrics:\n  windows: [7d\n  benchmarks: dora-2021\n"
    plain, store = config_file(tmp_path, body)
    plain_message = refused(*run(capsys, "check-config", "--config", str(plain)))
    windows = tmp_path / "w.yaml"
    windows.write_bytes(crlf_bom(plain.read_text()))
    message = refused(*run(capsys, "metrics", "--config", str(windows)))
    assert message == plain_message.replace(str(plain), str(windows))
    assert message.startswith(f"{windows}:5: invalid YAML"), message
    assert not store.exists()


def test_unknown_key_in_a_list_item_after_a_bom_with_crlf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """BOM + CRLF × an unknown key in the second team (line 7), reported with its line and path."""
    store = tmp_path / "store.duckdb"
    text = (
        f"database:\n  url: duckdb:///{store}\nteams:\n  - name: a\n    headcount: 3\n"
        "  - name: b\n    headcont: 4\n"
    )
    config = tmp_path / "c.yaml"
    config.write_bytes(crlf_bom(text))
    message = refused(*run(capsys, "check-config", "--config", str(config)))
    assert message == f"{config}:7: teams[1].headcont: unknown key (did you mean 'headcount'?)"
    assert not store.exists()


@pytest.mark.parametrize(
    ("body", "line", "key", "first"),
    [
        ("teams:\n  - name: a\n    headcount: 3\n    headcount: 4\n", 6, "teams[0].headcount", 5),
        ("teams:\n  - {name: a, repositories: [acme/x], name: b}\n", 4, "teams[0].name", 4),
        ("http:\n  tls: {cert_file: null}\n  tls:\n    key_file: null\n", 5, "http.tls", 4),
        (
            "github:\n  deployments:\n    source: releases\n    source: merged_prs\n",
            6,
            "github.deployments.source",
            5,
        ),
    ],
    ids=["list-item", "flow-mapping-one-line", "nested-section", "deep-in-github"],
)
def test_duplicate_keys_deep_in_the_file_name_both_lines_with_bom_and_crlf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, line: int, key: str, first: int
) -> None:
    """docs/configuration.md: duplicate keys are errors. The second occurrence is named with its line,
    key path and the line of the first, in a BOM + CRLF file; no store is made."""
    store = tmp_path / "store.duckdb"
    config = tmp_path / "c.yaml"
    config.write_bytes(crlf_bom(f"database:\n  url: duckdb:///{store}\n" + body))
    message = refused(*run(capsys, "metrics", "--config", str(config), "--as-of", AS_OF_TEXT))
    assert message == f"{config}:{line}: {key}: duplicate key (first at line {first})"
    assert not store.exists()


@pytest.mark.parametrize("content", ["", "  \n\t\n"], ids=["empty", "whitespace-only"])
def test_token_file_that_holds_no_token_stops_collect_before_any_store_or_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """§3 token_file (read at each use, whitespace stripped): a file holding nothing is a configuration
    error of the command that uses the token: exit 2, one line naming the file's line, the key and the
    path; no store is made and GitHub is not asked."""
    token_file = tmp_path / "gh.token"
    token_file.write_text(content)
    dataset = GitHubDataset()
    started(dataset.add_repo("acme/web"))
    with GitHubEmulator(dataset, token=GH_TOKEN) as github:
        config, store = config_file(
            tmp_path,
            f"github:\n  base_url: {github.base_url}\n  token_file: {token_file}\n"
            "  repositories: [acme/web]\n",
        )
        message = refused(*run(capsys, "collect", "--config", str(config), "--source", "github"))
        assert github.requests == []
    assert message.startswith(f"{config}:5: github.token_file: "), message
    assert str(token_file) in message
    assert not store.exists()


@pytest.mark.parametrize(
    "listen",
    ["[::1:0", "127.0.0.1:0:0", "bad host:0", "[127.0.0.1:0"],
    ids=["unclosed-bracket", "two-ports", "space-in-host", "bracketed-ipv4-unclosed"],
)
def test_malformed_http_listen_is_a_configuration_error_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], listen: str
) -> None:
    """§3 ``http.listen: host:port`` (docs/configuration.md: ``:9464`` every interface, ``[::1]:9464``
    IPv6). An unclosed bracket, two ports, or a space in the host name is no ``host:port``: check-config
    says so with the file, line and key (exit 2), as it does for ``localhost`` or ``127.0.0.1:99999``."""
    config, store = config_file(tmp_path, f"http:\n  listen: '{listen}'\n")
    message = refused(*run(capsys, "check-config", "--config", str(config)))
    assert message.startswith(f"{config}:4: http.listen: "), message
    assert not store.exists()


def test_serve_with_a_malformed_listen_changes_nothing(tmp_path: Path) -> None:
    """§9 "A bad config … changes nothing", §2 exit 2: ``serve`` with ``listen: 127.0.0.1:0:0`` must fail
    before making the store, the dashboards or the reports folder."""
    config, store = config_file(tmp_path, "http:\n  listen: '127.0.0.1:0:0'\n")
    result = subprocess.run(
        [str(DORASPACE), "serve", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert one_line(result.stderr) and "http.listen" in result.stderr, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["c.yaml"]
    assert not store.exists()


# ===================================================================== §2: malformed option values


@pytest.fixture
def fresh(tmp_path: Path) -> tuple[Path, Path]:
    """A valid config (team web) whose store does not exist yet."""
    store = tmp_path / "store.duckdb"
    return write_config(tmp_path / "doraspace.yaml", store), store


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--as-of", "2026-13-01"),
        ("--as-of", "2026-06-31"),
        ("--as-of", "2026-06-30T24:01"),
        ("--as-of", "2026-06-30T00:00:00+25:00"),
        ("--as-of", "yesterday"),
        ("--as-of", "30/06/2026"),
        ("--window", "30"),
        ("--window", "0d"),
        ("--window", "-7d"),
        ("--window", "1.5d"),
        ("--window", "36h"),
        ("--window", "7d,30d"),
    ],
)
def test_malformed_as_of_or_window_names_the_option_and_creates_no_store(
    fresh: tuple[Path, Path], capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    """§2 ``--as-of`` is ISO 8601, ``--window`` a whole number of days: anything else is a usage error,
    exit 2, one line naming the option and the value, before the store is opened (none is made)."""
    config, store = fresh
    # option=value: "-7d" would otherwise read as an option of its own
    message = refused(
        *run(capsys, "metrics", "--config", str(config), "--format", "json", f"{option}={value}")
    )
    assert message.startswith(f"{option}: ") and repr(value) in message, message
    assert not store.exists()


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026-Q0", "2026Q3", "Q3-2026", "2026-q3", " 2026-Q3", ""])
def test_malformed_quarter_for_import_and_scores_creates_no_store(
    fresh: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    quarter: str,
) -> None:
    """§2 ``--quarter 2026-Q3``: a malformed quarter is exit 2 naming ``--quarter``, for ``survey import``
    (whose export and definition are good) and ``survey scores`` alike; no store is made."""
    config, store = fresh
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", "pepper")
    (config.parent / "mini.yaml").write_text(SURVEY_DEFINITION)
    export = long_export(config.parent / "a.csv", Q3_ANSWERS, team="web")
    for args in (
        [
            "survey",
            "import",
            str(export),
            "--definition",
            str(config.parent / "mini.yaml"),
            "--format",
            "long",
        ],
        ["survey", "scores", "--format", "json"],
    ):
        message = refused(*run(capsys, *args, "--config", str(config), f"--quarter={quarter}"))
        assert message.startswith("--quarter: "), message
    assert not store.exists()


def test_unknown_team_creates_no_store(fresh: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """§9 and the project rule "no store created when there was none": ``metrics --team nobody`` and
    ``report --team nobody`` on a config whose store was never made are exit 2 naming the team, and
    leave no store (nor the report folder) behind."""
    config, store = fresh
    message = refused(*run(capsys, "metrics", "--config", str(config), "--team", "nobody"))
    assert message.startswith("--team: unknown team 'nobody'"), message
    out = config.parent / "reports"
    refused(*run(capsys, "report", "--config", str(config), "--out", str(out), "--team", "nobody"))
    assert not out.exists()
    assert not store.exists()


def test_unknown_team_on_a_store_never_computed_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """§9 on a store holding collected facts that no command has computed over yet: ``metrics --team
    nobody`` is a usage error and leaves every table's rows as they were (tests/test_audit_cli_contract.py
    checks this only after a first good ``metrics`` has filled the derived tables)."""
    store = tmp_path / "store.duckdb"
    write_world(store)
    config = write_config(tmp_path / "doraspace.yaml", store)
    before = dump(store)
    message = refused(
        *run(capsys, "metrics", "--config", str(config), "--team", "nobody", "--as-of", AS_OF_TEXT)
    )
    assert "nobody" in message
    after = dump(store)
    changed = sorted(table for table in set(before) | set(after) if before.get(table) != after.get(table))
    assert changed == [], f"tables changed by a refused command: {changed}"


def test_two_bad_options_at_once_are_still_one_line(
    fresh: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed ``--as-of`` and an unknown ``--team`` together: one of them, in one line, exit 2."""
    config, store = fresh
    message = refused(
        *run(capsys, "metrics", "--config", str(config), "--team", "nobody", "--as-of", "2026-02-30")
    )
    assert message.startswith(("--as-of: ", "--team: ")), message
    assert not store.exists()


# ========================================================================= §7: survey definitions


def definition_variants() -> dict[str, tuple[str, str]]:
    """name → (definition text, the message after ``FILE:``), from tests/test_audit_cli_contract.py's
    three-item definition (items[1] s2 is the reverse one, at lines 14-18; items[2] e1 at 19-22)."""
    base = SURVEY_DEFINITION
    return {
        "unknown-scale": (
            base.replace("    scale: agree5\n    reverse", "    scale: agree7\n    reverse"),
            "17: items[1].scale: unknown scale 'agree7' (defined: agree5)",
        ),
        "duplicate-item-id": (base.replace("- id: e1", "- id: s1"), "19: items[2].id: 's1' repeats items[0]"),
        "duplicate-key-in-item": (
            base.replace(
                "    dimension: efficiency\n", "    dimension: efficiency\n    dimension: activity\n"
            ),
            "22: items[2].dimension: duplicate key (first at line 21)",
        ),
        "reverse-a-number": (
            base.replace("reverse: true", "reverse: 1"),
            "18: items[1].reverse: must be true or false (got 1)",
        ),
        "reverse-twice": (
            base.replace("reverse: true", "reverse: true\n    reverse: false"),
            "19: items[1].reverse: duplicate key (first at line 18)",
        ),
    }


@pytest.fixture
def survey_world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """Team alpha (survey name Alpha), the secret from $R5_SURVEY_SECRET; the store not made yet."""
    monkeypatch.setenv("R5_SURVEY_SECRET", "pepper")
    store = tmp_path / "store.duckdb"
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{store}\n"
        "teams:\n  - name: alpha\n    headcount: 8\n    survey_names: [Alpha]\n"
        "surveys:\n  min_group_size: 5\n  respondent_secret: ${R5_SURVEY_SECRET}\n"
    )
    (tmp_path / "mini.yaml").write_text(SURVEY_DEFINITION)
    return config, store


def survey_import(
    capsys: pytest.CaptureFixture[str], config: Path, export: Path, definition: Path, *extra: str
) -> tuple[int, str, str]:
    return run(capsys, "survey", "import", str(export), "--config", str(config), "--definition",
               str(definition), "--quarter", "2026-Q3", *extra)  # fmt: skip


@pytest.mark.parametrize("variant", list(definition_variants()))
def test_definition_errors_with_bom_and_crlf_name_the_line_on_a_fresh_store(
    survey_world: tuple[Path, Path], capsys: pytest.CaptureFixture[str], variant: str
) -> None:
    """§7.1 × §9: a definition saved with a BOM and CRLF line ends, holding an unknown scale, a repeated
    item id, a repeated key, or a reverse that is no boolean: exit 2, one line ``FILE:LINE: key: …`` with
    the line the same as in an LF file; the export is good; no store is made."""
    config, store = survey_world
    text, expected = definition_variants()[variant]
    definition = config.parent / "def.yaml"
    definition.write_bytes(crlf_bom(text))
    export = long_export(config.parent / "a.csv", Q3_ANSWERS)
    message = refused(*survey_import(capsys, config, export, definition, "--format", "long"))
    assert message == f"{definition}:{expected}"
    assert not store.exists()


def test_definition_errors_leave_an_imported_quarter_as_it_was(
    survey_world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """§9 on a store already holding 2026-Q3: every bad definition above, with a file that would add a
    sixth respondent, is refused with its line, and no table changes."""
    config, store = survey_world
    folder = config.parent
    good = long_export(folder / "q3.csv", Q3_ANSWERS)
    status, _, err = survey_import(capsys, config, good, folder / "mini.yaml", "--format", "long")
    assert status == 0, err
    before = dump(store)
    more = long_export(folder / "more.csv", {**Q3_ANSWERS, "r6": (4, 2, 4)})
    for name, (text, expected) in definition_variants().items():
        definition = folder / f"{name}.yaml"
        definition.write_text(text)
        message = refused(*survey_import(capsys, config, more, definition, "--format", "long"))
        assert message == f"{definition}:{expected}", name
    assert dump(store) == before


def test_a_bad_definition_and_a_bad_export_together_are_one_line(
    survey_world: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Both files are wrong (an unknown scale; an unknown team on row 2): one of the two errors, one
    line, naming its file; nothing made."""
    config, store = survey_world
    text, _ = definition_variants()["unknown-scale"]
    definition = config.parent / "def.yaml"
    definition.write_text(text)
    export = long_export(config.parent / "a.csv", Q3_ANSWERS, team="Nobody")
    message = refused(*survey_import(capsys, config, export, definition, "--format", "long"))
    assert message.startswith((f"{definition}:17: ", f"{export}, row 2")), message
    assert not store.exists()


# ============================================================================ §7.2: survey exports


HEADER = ["Timestamp", "Which team are you on?", "I am satisfied with my tools", "I feel burned out",
          "I can focus on my work"]  # fmt: skip


def google_export(path: Path, rows: list[list[str]]) -> Path:
    """A Google Forms sheet saved by Excel in a semicolon locale: BOM, ``;`` separators, CRLF."""
    lines = [";".join(HEADER)] + [";".join(row) for row in rows]
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


def google_rows() -> list[list[str]]:
    return [[f"7/1/2026 10:0{i}:00", "Alpha", "Agree", "Disagree", "Agree"] for i in range(1, 7)]


@pytest.mark.parametrize(
    ("row", "column", "cell", "words"),
    [
        (4, 3, "Mostly", ["row 4", "column 'I feel burned out'", "'Mostly'"]),
        (6, 0, "7/1/2026 25:00:00", ["row 6", "column 'Timestamp'"]),
        (3, 1, "Nobody", ["row 3", "Nobody"]),
        (5, 2, "bob.secret@example.com", ["row 5", "column 'I am satisfied with my tools'"]),
    ],
    ids=["unknown-answer", "broken-date", "unknown-team", "email-in-an-answer"],
)
def test_bom_semicolon_export_with_a_bad_row_names_row_and_column_and_changes_nothing(
    survey_world: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    row: int,
    column: int,
    cell: str,
    words: list[str],
) -> None:
    """§7.2 (a BOM is ignored; docs/surveys.md: ";" split by the header) × §7.3 (a bad file gets an
    error naming the row and column, and stores nothing) × §9. Row numbers count the header as row 1
    (docs/surveys.md's example, and tests/test_audit_cli_contract.py's long file). First on a fresh
    store (none made), then on a store holding a good import (no row changes). A cell holding an
    e-mail address is never quoted back (docs/surveys.md, Privacy)."""
    config, store = survey_world
    folder = config.parent
    rows = google_rows()
    rows[row - 2][column] = cell
    bad = google_export(folder / "bad.csv", rows)
    definition = folder / "mini.yaml"
    message = refused(*survey_import(capsys, config, bad, definition))
    assert message.startswith(f"{bad}, row {row}"), message
    for word in words:
        assert word in message, (word, message)
    assert "bob.secret" not in message and "example.com" not in message
    assert not store.exists()

    good = google_export(folder / "good.csv", google_rows()[:5])
    status, _, err = survey_import(capsys, config, good, definition)
    assert status == 0, err
    before = dump(store)
    assert refused(*survey_import(capsys, config, bad, definition)) == message
    assert dump(store) == before


# ========================================================================= §4: catalog-info.yaml


def component(name: str, owner: str) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        f"metadata:\n  name: {name}\nspec:\n  type: service\n  owner: group:{owner}\n"
    )


@pytest.fixture
def catalog_org() -> Iterator[GitHubEmulator]:
    """acme/good: one component (owner gteam). acme/bad: a good component (bteam), then a Component with
    no metadata.name. acme/bom: a good component (oteam) then an unclosed flow mapping, saved with a BOM
    and CRLF; acme/lf: the same file with LF and no BOM. Every repo has a first deployment."""
    dataset = GitHubDataset()
    broken_yaml = component("bom1", "oteam") + "---\nkind: Component\nmetadata: {name: x\n"
    files = {
        "acme/good": component("good", "gteam"),
        "acme/bad": component("bad1", "bteam")
        + "---\nkind: Component\nmetadata:\n  title: x\nspec:\n  owner: bteam\n",
        "acme/bom": "\ufeff" + broken_yaml.replace("\n", "\r\n"),
        "acme/lf": broken_yaml.replace("bom1", "lf1"),
    }
    for name, text in files.items():
        repo = dataset.add_repo(name)
        repo.files["catalog-info.yaml"] = text
        started(repo)
    with GitHubEmulator(dataset, token=GH_TOKEN) as github:
        yield github


def test_malformed_catalog_documents_are_warned_once_each_and_the_sync_goes_on(
    tmp_path: Path,
    catalog_org: GitHubEmulator,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """§4 "A malformed catalog file is reported (repo, reason) and skipped whole; it never stops a sync"
    × several documents × BOM/CRLF. ``collect`` exits 0 with nothing on stdout; each bad file gets a
    ``warning:`` line naming its repo and reason (document 2; the YAML error's line, the same with and
    without BOM/CRLF); every repo is collected; the good file's owner is stored and the bad files' good
    first documents are not (skipped whole); the token is printed nowhere."""
    monkeypatch.setenv("R5_GH_TOKEN", GH_TOKEN)
    store = tmp_path / "store.duckdb"
    config = tmp_path / "c.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{store}\ngithub:\n  base_url: {catalog_org.base_url}\n"
        "  token: ${R5_GH_TOKEN}\n  since: 2026-02-01\n"
        "  repositories: [acme/good, acme/bad, acme/bom, acme/lf]\n"
    )
    status, out, err = run(capsys, "collect", "--config", str(config), "--source", "github", now=at(20))
    assert (status, out) == (0, ""), err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    by_repo = {
        repo: [line for line in warnings if f"acme/{repo}:" in line] for repo in ("good", "bad", "bom", "lf")
    }
    assert by_repo["good"] == []
    for repo in ("bad", "bom", "lf"):
        assert len(by_repo[repo]) == 1, (repo, warnings)
        assert "catalog-info.yaml" in by_repo[repo][0]
    assert "document 2" in by_repo["bad"][0] and "metadata.name" in by_repo["bad"][0]
    lines = {repo: re.search(r"invalid YAML at line (\d+)", by_repo[repo][0]) for repo in ("bom", "lf")}
    found = {repo: int(match[1]) for repo, match in lines.items() if match}
    assert set(found) == {"bom", "lf"}, warnings
    assert found["bom"] == found["lf"] and found["bom"] in (10, 11), found

    status, out, err2 = run(capsys, "check-config", "--config", str(config))
    assert status == 0, err2
    assert "4 repositories collected, 1 catalog components" in out
    assert "repo acme/good → gteam (catalog)" in out
    for repo in ("bad", "bom", "lf"):
        assert f"repo acme/{repo} → unowned" in out
    for team in ("bteam", "oteam"):
        assert team not in out
    assert GH_TOKEN not in err + out + err2 and GH_TOKEN[4:20] not in err + out + err2


# ============================================================ §2: survey import beside a running serve


@pytest.mark.long
def test_survey_import_beside_a_running_serve_takes_turns_and_a_bad_file_changes_nothing(
    tmp_path: Path,
) -> None:
    """§2 "While serve runs, the other commands … wait their turn for the DuckDB file. A user never sees a
    raw DuckDB lock error" × §9. The daemon (no sources; analytics every second) holds the file in
    turns. A bad export (r3's rows 8-10 name an unknown team) is refused with its row (exit 2), not a
    lock error; then a good one is imported (exit 0); the bad one again: exit 2. After the daemon stops,
    the store holds exactly the good file's answers (5 respondents × 3 items, one N/A not stored)."""
    store = tmp_path / "store.duckdb"
    config = tmp_path / "doraspace.yaml"
    config.write_text(
        f"database:\n  url: duckdb:///{store}\n"
        "teams:\n  - name: alpha\n    headcount: 8\n    survey_names: [Alpha]\n"
        "schedule: {analytics: 1s}\nhttp:\n  listen: 127.0.0.1:0\n"
        "surveys:\n  respondent_secret: ${R5_SURVEY_SECRET}\n"
    )
    (tmp_path / "mini.yaml").write_text(SURVEY_DEFINITION)
    env = {**os.environ, "R5_SURVEY_SECRET": "pepper"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        daemon = subprocess.Popen(
            [str(DORASPACE), "serve", "--config", str(config)], env=env, stderr=log, stdin=subprocess.DEVNULL
        )
    try:
        deadline = time.monotonic() + 30
        while "analytics: snapshot" not in log_path.read_text(errors="replace"):
            assert daemon.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.1)
        good = long_export(tmp_path / "good.csv", Q3_ANSWERS)
        bad = long_export(tmp_path / "bad.csv", Q3_ANSWERS)
        lines = bad.read_text().splitlines()  # r3's three rows (8-10) name an unknown team
        bad.write_text(
            "\n".join(
                line.replace(",Alpha,", ",Nobody,") if line.startswith("r3,") else line for line in lines
            )
            + "\n"
        )

        def imported(export: Path) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(DORASPACE), "survey", "import", str(export), "--config", str(config), "--definition",
                 str(tmp_path / "mini.yaml"), "--quarter", "2026-Q3", "--format", "long"],
                env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
            )  # fmt: skip

        results = [imported(bad), imported(good), imported(bad)]
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    log_text = log_path.read_text(errors="replace")
    assert daemon.returncode == 0, log_text
    assert "Could not set lock" not in log_text and "Traceback" not in log_text, log_text
    for result, status in zip(results, (2, 0, 2), strict=True):
        assert result.returncode == status, result.stderr
        assert "lock" not in result.stderr.lower() and "Traceback" not in result.stderr, result.stderr
        assert result.stdout == ""
    for result in (results[0], results[2]):
        assert one_line(result.stderr) and f"{bad}, row 8" in result.stderr, result.stderr
    connection = duckdb.connect(str(store), read_only=True)
    try:
        answers = connection.execute("select count(*) from survey_answers").fetchone()
    finally:
        connection.close()
    assert answers == (14,)
