"""Round 6: ``doraspace check-config`` where two rules meet (SPEC §2, §3, §4, §9; docs/configuration.md).

check-config "validates the config and prints the resolved ownership map (repo/service → team)" (§2).
Secrets "are never logged" (§3) and "never shown" (docs/configuration.md); an unset ``github.token`` /
``pagerduty.token`` is an error "only when a command uses the secret" (docs), which check-config does
not, so it reports the problem by key and still exits 0. Checking a config creates no database.

The store, where there is one, is filled as the collector fills it (``collector.writer`` /
``collector.catalog``, as tests/test_ownership.py does: tests/analytics/facts.py has no catalog helper);
component owners are stored as the collector's parser leaves them (the bare team name).
"""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analytics.ownership import CatalogComponent
from collector.catalog import write_components
from collector.models import ComponentFact, RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store.engine import open_store

NOW = datetime(2026, 6, 30, tzinfo=UTC)
GH_TOKEN = "ghp_R6checkConfigNeverShown0123456789"
PD_TOKEN = "pd-R6-file-token-never-shown-9876"
HEADER = "ownership (repository/PagerDuty service → team):"
QUOTED = 'O\'Brien "the" team'  # quotes of both kinds
UNICODE = 'Crème "Brûlée"'  # accents and double quotes


def component(
    file_repo: str,
    position: int,
    name: str,
    owner: str | None,
    repo: str | None = None,
    service: str | None = None,
) -> ComponentFact:
    return ComponentFact(
        **dataclasses.asdict(CatalogComponent(file_repo, position, name, owner, repo or file_repo, service))
    )


def build_store(path: Path) -> None:
    """acme/shop and acme/pay collected. acme/shop's catalog-info.yaml holds two components:
    document 0 ``shop`` (repo acme/shop, owner ``crème "brûlée"`` in lower case, service PSHOP) and
    document 1 ``pay`` (project-slug acme/pay, owner cat-team, service PPAY)."""
    engine = open_store(f"duckdb:///{path}")
    try:
        with engine.begin() as conn:
            write_repositories(
                conn, [RepositoryFact(name, "main") for name in ("acme/shop", "acme/pay")], {}, NOW
            )
        write_components(
            engine,
            "acme/shop",
            [
                component("acme/shop", 0, "shop", UNICODE.lower(), service="PSHOP"),
                component("acme/shop", 1, "pay", "cat-team", repo="acme/pay", service="PPAY"),
            ],
        )
    finally:
        engine.dispose()


def write_config(path: Path, store: Path, pagerduty: str, *, discover: bool = True) -> Path:
    """GitHub lists acme/shop and ``ACME/Pay`` (token from $R6_CC_GH); teams: the quoted team claims
    ``Acme/Pay`` and PTEAM, the unicode team is declared with no repository of its own."""
    path.write_text(
        textwrap.dedent(
            f"""\
            database:
              url: duckdb:///{store}
            github:
              token: ${{R6_CC_GH}}
              repositories: [acme/shop, ACME/Pay]
            pagerduty:
            {textwrap.indent(pagerduty, "  ")}
              service_ids: [PPAY, PX]
            catalog:
              discover: {"true" if discover else "false"}
            teams:
              - name: "O'Brien \\"the\\" team"
                repositories: [Acme/Pay]
                pagerduty_services: [PTEAM]
              - name: "Crème \\"Brûlée\\""
            """
        ),
        encoding="utf-8",
    )
    return path


def check(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, list[str], str]:
    status = main(["check-config", "--config", str(config)], now=NOW)
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.out + captured.err


def map_lines(lines: list[str]) -> list[str]:
    start = lines.index(HEADER)
    end = start + 1
    while end < len(lines) and lines[end].startswith("  "):
        end += 1
    return lines[start + 1 : end]


def test_set_env_token_hidden_and_unreadable_token_file_named_with_a_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """§3 secrets × §4 map with odd team names, config over catalog, services of three origins.

    Secrets: github.token = ${R6_CC_GH}, set → "github.token: set", its value nowhere in the output.
    pagerduty.token_file names a file that does not exist → the line of key ``pagerduty.token`` names
    ``pagerduty.token_file`` and the path; exit 0 (check-config uses no secret; docs: unset is an error
    only when a command uses it).

    Map (§4), repos = collected {acme/shop, acme/pay} ∪ configured {acme/shop, ACME/Pay}, compared
    case-insensitively → 2 repos:
      acme/pay: the catalog (component pay) says cat-team, teams: names ``Acme/Pay`` → QUOTED (config),
        "whatever the catalog says".
      acme/shop: no teams: entry → catalog owner ``crème "brûlée"``, matched whatever its letter case to
        the configured team → printed as the config spells it, ``Crème "Brûlée"`` (catalog).
    Services:
      PPAY: component pay's service; teams: named its repo, not the service → "everything else keeps its
        catalog owner" → cat-team (catalog); also in service_ids, which does not make it unowned.
      PSHOP: component shop's → Crème "Brûlée" (catalog).
      PTEAM: teams: → QUOTED (config).
      PX: only in service_ids → unowned.
    """
    store = tmp_path / "store.duckdb"
    build_store(store)
    monkeypatch.setenv("R6_CC_GH", GH_TOKEN)
    missing = tmp_path / "no-such-token"
    config = write_config(tmp_path / "c.yaml", store, f"token_file: {missing}")

    status, lines, everything = check(capsys, config)

    assert status == 0, everything
    assert "github.token: set" in lines
    [pd_line] = [line for line in lines if line.startswith("pagerduty.token: ")]
    assert "pagerduty.token_file" in pd_line and str(missing) in pd_line and "cannot read" in pd_line
    assert GH_TOKEN not in everything and GH_TOKEN[4:16] not in everything
    assert "store: 2 repositories collected, 2 catalog components" in lines
    assert map_lines(lines) == [
        f"  repo acme/pay → {QUOTED} (config)",
        f"  repo acme/shop → {UNICODE} (catalog)",
        "  pagerduty PPAY → cat-team (catalog)",
        f"  pagerduty PSHOP → {UNICODE} (catalog)",
        f"  pagerduty PTEAM → {QUOTED} (config)",
        "  pagerduty PX → unowned (unowned)",
    ]
    assert not [line for line in lines if line.startswith("warning:")]  # one component per repo


def test_readable_token_file_hidden_unset_env_named_and_discovery_off_ignores_stored_components(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """§3 secrets × ``catalog.discover: false`` with components already stored.

    Secrets: $R6_CC_GH unset → the ``github.token`` line names R6_CC_GH; pagerduty.token_file holds
    "  <PD_TOKEN>\\n" → "pagerduty.token: set", the value nowhere. Exit 0.

    Map: discovery off, so the two stored components give nothing:
      acme/pay → QUOTED (config); acme/shop → nobody → unowned (no catalog owner).
      PPAY: no component counts, in service_ids → unowned. PSHOP: known only from the catalog and not in
      service_ids → not in the map. PTEAM → QUOTED (config). PX → unowned.
    """
    store = tmp_path / "store.duckdb"
    build_store(store)
    monkeypatch.delenv("R6_CC_GH", raising=False)
    token_file = tmp_path / "pd-token"
    token_file.write_text(f"  {PD_TOKEN}\n", encoding="utf-8")
    config = write_config(tmp_path / "c.yaml", store, f"token_file: {token_file}", discover=False)

    status, lines, everything = check(capsys, config)

    assert status == 0, everything
    [gh_line] = [line for line in lines if line.startswith("github.token: ")]
    assert "R6_CC_GH" in gh_line and gh_line != "github.token: set"
    assert "pagerduty.token: set" in lines
    assert PD_TOKEN not in everything and PD_TOKEN[3:15] not in everything
    assert map_lines(lines) == [
        f"  repo acme/pay → {QUOTED} (config)",
        "  repo acme/shop → unowned (unowned)",
        "  pagerduty PPAY → unowned (unowned)",
        f"  pagerduty PTEAM → {QUOTED} (config)",
        "  pagerduty PX → unowned (unowned)",
    ]
    assert "PSHOP" not in everything and "cat-team" not in everything and UNICODE.lower() not in everything


def test_store_not_created_yet_with_default_token_unset_and_empty_token_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No store yet × secrets × config-only map.

    The store's directory does not exist: check-config reads no catalog, creates neither the file nor
    its directory, and the map is the config's alone:
      acme/pay → QUOTED (config); acme/shop → unowned; PPAY (service_ids) → unowned;
      PTEAM → QUOTED (config); PX → unowned.
    github.token is set ($R6_CC_GH) and hidden. pagerduty has no token key: its default
    ${PAGERDUTY_TOKEN} is unset → the ``pagerduty.token`` line names PAGERDUTY_TOKEN. Exit 0.
    A second config with an empty ``github.token_file`` → the ``github.token`` line says it is empty.
    """
    store = tmp_path / "not-yet" / "store.duckdb"
    monkeypatch.setenv("R6_CC_GH", GH_TOKEN)
    monkeypatch.delenv("PAGERDUTY_TOKEN", raising=False)
    config = write_config(tmp_path / "c.yaml", store, "base_url: https://api.pagerduty.com")

    status, lines, everything = check(capsys, config)

    assert status == 0, everything
    assert "github.token: set" in lines
    [pd_line] = [line for line in lines if line.startswith("pagerduty.token: ")]
    assert "PAGERDUTY_TOKEN" in pd_line
    assert GH_TOKEN not in everything
    # Without a store the repo is known only as configured (``ACME/Pay``); either spelling names it.
    shown = map_lines(lines)
    repo, team = shown[0].split(" → ", 1)
    assert (repo.lower(), team) == ("  repo acme/pay", f"{QUOTED} (config)")
    assert shown[1:] == [
        "  repo acme/shop → unowned (unowned)",
        "  pagerduty PPAY → unowned (unowned)",
        f"  pagerduty PTEAM → {QUOTED} (config)",
        "  pagerduty PX → unowned (unowned)",
    ]
    assert not (tmp_path / "not-yet").exists()

    empty = tmp_path / "empty-token"
    empty.write_text("  \n", encoding="utf-8")
    other = tmp_path / "d.yaml"
    other.write_text(
        config.read_text(encoding="utf-8").replace("token: ${R6_CC_GH}", f"token_file: {empty}"),
        encoding="utf-8",
    )
    status, lines, everything = check(capsys, other)
    assert status == 0, everything
    [gh_line] = [line for line in lines if line.startswith("github.token: ")]
    assert "github.token_file" in gh_line and "empty" in gh_line
    assert not (tmp_path / "not-yet").exists()
