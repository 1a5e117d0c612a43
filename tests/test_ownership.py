"""The ownership map (SPEC §4): config over catalog, file order, unowned, services; and check-config."""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analytics.ownership import (
    UNOWNED,
    CatalogComponent,
    OwnershipSettings,
    load_components,
    pagerduty_services_to_collect,
    repo_scopes,
    resolve_ownership,
)
from collector.catalog import write_components
from collector.models import ComponentFact, RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from doraspace.config import parse_config
from doraspace.settings import ownership_settings
from store.engine import open_store

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def config(teams: str = "", service_ids: str = "[]", discover: bool = True) -> OwnershipSettings:
    text = textwrap.dedent(
        """\
        database:
          url: "duckdb:///:memory:"
        github:
          token: ${GITHUB_TOKEN}
          repositories: [acme/orders]
        pagerduty:
          token: ${PAGERDUTY_TOKEN}
        """
    )
    text += f"  service_ids: {service_ids}\ncatalog:\n  discover: {str(discover).lower()}\n"
    if teams:
        text += "teams:\n" + textwrap.indent(textwrap.dedent(teams), "  ")
    return ownership_settings(parse_config(text, environ={}, now=NOW))


def comp(
    file_repo: str,
    position: int,
    name: str,
    owner: str | None,
    repo: str | None = None,
    service: str | None = None,
) -> CatalogComponent:
    return CatalogComponent(file_repo, position, name, owner, repo or file_repo, service)


def test_catalog_owners_without_config() -> None:
    ownership = resolve_ownership(
        config(),
        ["acme/orders", "acme/payments"],
        [comp("acme/orders", 0, "orders", "order-team", service="PORD")],
    )
    assert ownership.repo_team == {"acme/orders": "order-team", "acme/payments": UNOWNED}
    assert ownership.repo_origin == {"acme/orders": "catalog", "acme/payments": "unowned"}
    assert ownership.service_team == {"PORD": "order-team"}
    assert ownership.warnings == []


def test_catalog_owners_compare_as_team_names_do_whatever_their_letter_case_and_unicode_form() -> None:
    """A catalog owner is the configured team it folds to (``STRASSE`` is ``Straße``), as survey answers
    are; without a configured team, owners that fold alike are one team, spelled as first in file order."""
    teams = """\
        - name: Straße
        """
    ownership = resolve_ownership(
        config(teams),
        ["acme/a", "acme/b", "acme/c", "acme/d"],
        [
            comp("acme/a", 0, "a", "STRASSE"),
            comp("acme/b", 0, "b", "Zu\u0308rich"),  # decomposed ü, first met
            comp("acme/c", 0, "c", "Z\u00fcrich"),  # composed
            comp("acme/d", 0, "d", "ZÜRICH"),
        ],
    )
    assert ownership.repo_team == {
        "acme/a": "Straße",
        "acme/b": "Zu\u0308rich",
        "acme/c": "Zu\u0308rich",
        "acme/d": "Zu\u0308rich",
    }


def test_catalog_discovery_off_ignores_stored_components() -> None:
    ownership = resolve_ownership(
        config(discover=False), ["acme/orders"], [comp("acme/orders", 0, "orders", "order-team", service="P")]
    )
    assert ownership.repo_team == {"acme/orders": UNOWNED}
    assert ownership.service_team == {}


def test_config_overrides_the_catalog_for_repos() -> None:
    teams = """\
        - name: team-a
          repositories: [acme/orders]
        """
    ownership = resolve_ownership(
        config(teams),
        ["acme/orders", "acme/payments"],
        [
            comp("acme/orders", 0, "orders", "team-b"),
            comp("acme/payments", 0, "payments", "team-b"),
        ],
    )
    assert ownership.repo_team == {"acme/orders": "team-a", "acme/payments": "team-b"}
    assert ownership.repo_origin == {"acme/orders": "config", "acme/payments": "catalog"}
    assert ownership.warnings == []  # the config settles it: nothing to warn about


def test_config_adds_repos_the_catalog_does_not_know() -> None:
    teams = """\
        - name: team-a
          repositories: [acme/new]
        """
    ownership = resolve_ownership(config(teams), [], [])
    assert ownership.repo_team == {"acme/new": "team-a"}


def test_config_overrides_the_catalog_for_services() -> None:
    teams = """\
        - name: team-a
          repositories: [acme/a]
          pagerduty_services: [P1]
        """
    ownership = resolve_ownership(
        config(teams),
        ["acme/a", "acme/b"],
        [comp("acme/b", 0, "b", "team-b", service="P1"), comp("acme/b", 1, "b2", "team-b", service="P2")],
    )
    assert ownership.service_team == {"P1": "team-a", "P2": "team-b"}
    assert ownership.service_origin == {"P1": "config", "P2": "catalog"}
    # P1 now belongs to team-a's repos, no longer to the component that named it.
    assert ownership.services_of_pagerduty_service("P1") == ("acme/a",)
    assert ownership.services_of_pagerduty_service("P2") == ("b",)


def test_unowned_repos_and_services_and_what_is_collected() -> None:
    teams = """\
        - name: team-a
          pagerduty_services: [PTEAM]
        """
    ownership = resolve_ownership(
        config(teams, service_ids="[PEXTRA, PCAT]"),
        ["acme/orders", "acme/lonely"],
        [comp("acme/orders", 0, "orders", "order-team", service="PCAT")],
    )
    assert ownership.team_of_repo("acme/lonely") == UNOWNED
    assert ownership.repo_origin["acme/lonely"] == "unowned"
    assert ownership.service_team == {"PCAT": "order-team", "PEXTRA": UNOWNED, "PTEAM": "team-a"}
    assert ownership.service_origin["PEXTRA"] == "unowned"
    assert pagerduty_services_to_collect(ownership, config(teams, service_ids="[PEXTRA, PCAT]")) == [
        "PCAT",
        "PEXTRA",
        "PTEAM",
    ]
    assert "PNOBODY" not in pagerduty_services_to_collect(ownership, config())
    assert ownership.team_of_pagerduty_service("PNOBODY") == UNOWNED


def test_a_component_without_a_team_leaves_its_repo_and_service_unowned() -> None:
    ownership = resolve_ownership(
        config(), ["acme/orders"], [comp("acme/orders", 0, "orders", None, service="PUSER")]
    )
    assert ownership.repo_team == {"acme/orders": UNOWNED}
    assert ownership.service_team == {"PUSER": UNOWNED}
    assert ownership.service_pagerduty == {"orders": ("PUSER",)}


def test_first_component_in_file_order_wins_with_a_warning() -> None:
    components = [
        comp("acme/zeta", 0, "zeta-view", "team-z", repo="acme/shared"),
        comp("acme/alpha", 1, "alpha-late", "team-late", repo="acme/shared"),
        comp("acme/alpha", 0, "alpha-api", "team-a", repo="acme/shared"),
        comp("acme/alpha", 2, "alpha-same", "team-a", repo="acme/shared"),
    ]
    ownership = resolve_ownership(config(), ["acme/shared"], components)
    assert ownership.repo_team["acme/shared"] == "team-a"
    assert ownership.repo_origin["acme/shared"] == "catalog"
    assert ownership.repo_service["acme/shared"] == "alpha-api"
    # One warning per losing component of another owner; the same owner twice is no conflict.
    assert len(ownership.warnings) == 2
    late, zeta = ownership.warnings
    assert late.startswith("repo acme/shared: owned by team-a from component alpha-api (acme/alpha")
    assert "component alpha-late (acme/alpha catalog-info.yaml document 2) says team-late" in late
    assert "component zeta-view (acme/zeta catalog-info.yaml document 1) says team-z" in zeta
    # The order the rows come in does not matter: file order does.
    assert resolve_ownership(config(), ["acme/shared"], components[::-1]) == ownership


def test_first_component_wins_a_service_too() -> None:
    ownership = resolve_ownership(
        config(),
        ["acme/a", "acme/b"],
        [comp("acme/b", 0, "b", "team-b", service="P1"), comp("acme/a", 0, "a", "team-a", service="P1")],
    )
    assert ownership.service_team == {"P1": "team-a"}
    assert ownership.services_of_pagerduty_service("P1") == ("a",)
    (warning,) = ownership.warnings
    assert warning.startswith("pagerduty P1: owned by team-a from component a (acme/a")


def test_a_component_that_lost_its_repo_links_its_pagerduty_service_to_nothing() -> None:
    # team-b's component names acme/shared after team-a's: team-a owns the repo. team-b still owns its
    # PagerDuty service PB, whose incidents count for team-b, but fail no deployment of team-a's repo.
    # The same when teams: gives the repo to a third team.
    components = [
        comp("acme/a", 0, "a-api", "team-a", repo="acme/shared", service="PA"),
        comp("acme/b", 0, "b-api", "team-b", repo="acme/shared", service="PB"),
    ]
    ownership = resolve_ownership(config(), ["acme/shared"], components)
    assert ownership.service_team == {"PA": "team-a", "PB": "team-b"}
    assert ownership.service_pagerduty == {"a-api": ("PA",)}
    assert ownership.services_of_pagerduty_service("PB") == ()
    teams = """\
        - name: team-c
          repositories: [acme/shared]
        """
    overridden = resolve_ownership(config(teams), ["acme/shared"], components)
    assert overridden.repo_team == {"acme/shared": "team-c"}
    assert overridden.service_pagerduty == {}


def test_services_group_repos_and_pagerduty_services() -> None:
    teams = """\
        - name: team-a
          repositories: [acme/a]
          pagerduty_services: [PTEAM]
        """
    components = [
        comp("acme/c", 0, "checkout", "team-a", service="PCHK"),
        comp("acme/c", 1, "checkout-web", "team-a", repo="acme/c-web", service="PWEB"),
        comp("acme/d", 0, "other", "team-d", service="POTHER"),
    ]
    ownership = resolve_ownership(
        config(teams), ["acme/a", "acme/c", "acme/c-web", "acme/d", "acme/e"], components
    )
    # A repo with no component is its own service; a component's repo is in its service.
    assert ownership.repo_service == {
        "acme/a": "acme/a",
        "acme/c": "checkout",
        "acme/c-web": "checkout-web",
        "acme/d": "other",
        "acme/e": "acme/e",
    }
    # The team's PagerDuty service belongs to every repo the team owns, config- or catalog-given.
    assert ownership.services_of_pagerduty_service("PTEAM") == ("acme/a", "checkout", "checkout-web")
    assert ownership.service_pagerduty == {
        "acme/a": ("PTEAM",),
        "checkout": ("PCHK", "PTEAM"),
        "checkout-web": ("PTEAM", "PWEB"),
        "other": ("POTHER",),
    }
    assert ownership.repos_of_service("checkout") == ("acme/c",)


def test_component_names_compare_case_insensitively_as_backstage_entity_names_do() -> None:
    # Backstage compares entity names whatever their case: ``Cart`` in acme/z-api's file (first in file
    # order by repository) and ``cart`` in acme/a-web's are one service, spelled as first met in file
    # order (repositories by name: acme/a-web's ``cart`` first). Its PagerDuty services are pooled.
    components = [
        comp("acme/z-api", 0, "Cart", "cart-team", service="PAPI"),
        comp("acme/a-web", 0, "cart", "cart-team", service="PWEB"),
        comp("acme/b", 0, "CART-admin", "cart-team"),
    ]
    ownership = resolve_ownership(config(), ["acme/z-api", "acme/a-web", "acme/b"], components)
    assert ownership.repo_service == {
        "acme/a-web": "cart",
        "acme/b": "CART-admin",
        "acme/z-api": "cart",
    }
    assert ownership.repos_of_service("cart") == ("acme/a-web", "acme/z-api")
    assert ownership.service_pagerduty["cart"] == ("PAPI", "PWEB")
    assert "Cart" not in ownership.service_pagerduty


def test_a_monorepos_second_component_links_its_pagerduty_service_to_its_own_service_too() -> None:
    # acme/shop holds shop-core, then shop-web (PSW): acme/shop is service shop-core. acme/shop-web's file
    # declares shop-web again: service shop-web is acme/shop-web. PSW is shop-web's PagerDuty service
    # (SPEC §4) and lives in acme/shop: both services have it. PCORE is shop-core's only.
    components = [
        comp("acme/shop", 0, "shop-core", "team-k", service="PCORE"),
        comp("acme/shop", 1, "shop-web", "team-k", service="PSW"),
        comp("acme/shop-web", 0, "Shop-Web", "team-k"),
    ]
    ownership = resolve_ownership(config(), ["acme/shop", "acme/shop-web"], components)
    assert ownership.repo_service == {"acme/shop": "shop-core", "acme/shop-web": "shop-web"}
    assert ownership.service_pagerduty == {"shop-core": ("PCORE", "PSW"), "shop-web": ("PSW",)}


def test_repository_names_compare_case_insensitively() -> None:
    teams = """\
        - name: Order-Team
          repositories: [acme/orders]
        """
    ownership = resolve_ownership(
        config(teams),
        ["Acme/Orders", "Acme/Payments"],
        [
            comp("Acme/Payments", 0, "payments", "x", repo="ACME/PAYMENTS"),
            comp("Acme/Payments", 1, "ledger", "order-team", repo="acme/ledger"),
        ],
    )
    # The collected (GitHub) spelling is kept; look-ups fold case; a catalog owner matching a config
    # team but for case is that team.
    assert ownership.repo_team == {
        "Acme/Orders": "Order-Team",
        "Acme/Payments": "x",
        "acme/ledger": "Order-Team",
    }
    assert ownership.team_of_repo("ACME/orders") == "Order-Team"
    assert ownership.service_of_repo("acme/payments") == "payments"


def fact(*components: CatalogComponent) -> list[ComponentFact]:
    """Components as the collector writes them."""
    return [ComponentFact(**dataclasses.asdict(component)) for component in components]


def test_repo_scopes_take_the_team_from_the_map() -> None:
    teams = """\
        - name: team-a
          repositories: [acme/orders]
        """
    cfg = config(teams)
    repos = ["acme/orders", "acme/payments", "acme/other"]
    ownership = resolve_ownership(cfg, repos, [comp("acme/payments", 0, "payments", "team-p")])
    scopes = repo_scopes(cfg, repos, ownership)
    assert [(s.repo, s.team, s.source, s.environment) for s in scopes] == [
        ("acme/orders", "team-a", "deployments", "production"),
        ("acme/other", UNOWNED, "deployments", "production"),
        ("acme/payments", "team-p", "deployments", "production"),
    ]
    # Without a map: the config alone, as before the catalog existed.
    assert [(s.repo, s.team) for s in repo_scopes(cfg, repos)] == [
        ("acme/orders", "team-a"),
        ("acme/other", UNOWNED),
        ("acme/payments", UNOWNED),
    ]


def test_load_components_reads_the_store_in_file_order(tmp_path: Path) -> None:
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        write_components(engine, "acme/b", fact(comp("acme/b", 0, "b", "team-b")))
        write_components(
            engine, "acme/a", fact(comp("acme/a", 3, "a3", None), comp("acme/a", 1, "a1", "t", service="P"))
        )
        assert load_components(engine) == [
            comp("acme/a", 1, "a1", "t", service="P"),
            comp("acme/a", 3, "a3", None),
            comp("acme/b", 0, "b", "team-b"),
        ]
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------------- check-config


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "doraspace.yaml"
    path.write_text(
        textwrap.dedent(
            f"""\
            database:
              url: duckdb:///{tmp_path}/store.duckdb
            github:
              token: ${{GITHUB_TOKEN}}
              repositories: [acme/orders, acme/payments]
            pagerduty:
              token: ${{PAGERDUTY_TOKEN}}
              service_ids: [PEXTRA]
            teams:
              - name: team-a
                repositories: [acme/orders]
                pagerduty_services: [PA]
            """
        )
    )
    return path


def test_check_config_prints_the_resolved_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("PAGERDUTY_TOKEN", "t")
    path = write_config(tmp_path)
    engine = open_store(f"duckdb:///{tmp_path}/store.duckdb")
    try:
        with engine.begin() as conn:
            write_repositories(
                conn,
                [RepositoryFact(name, "main") for name in ("acme/orders", "acme/payments", "acme/misc")],
                {},
                NOW,
            )
        write_components(
            engine,
            "acme/payments",
            fact(
                comp("acme/payments", 0, "payments", "team-p", service="PPAY"),
                comp("acme/payments", 1, "orders-ui", "team-p", repo="acme/orders"),
            ),
        )
        write_components(engine, "acme/zz", fact(comp("acme/zz", 0, "pay-2", "team-q", repo="acme/payments")))
    finally:
        engine.dispose()

    assert main(["check-config", "--config", str(path)], now=NOW) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index("ownership (repository/PagerDuty service → team):")
    assert lines[start + 1 : start + 8] == [
        "  repo acme/misc → unowned (unowned)",
        "  repo acme/orders → team-a (config)",
        "  repo acme/payments → team-p (catalog)",
        "  pagerduty PA → team-a (config)",
        "  pagerduty PEXTRA → unowned (unowned)",
        "  pagerduty PPAY → team-p (catalog)",
        "warning: repo acme/payments: owned by team-p from component payments "
        "(acme/payments catalog-info.yaml document 1), the first in file order; "
        "component pay-2 (acme/zz catalog-info.yaml document 1) says team-q and is ignored",
    ]
    assert "store: 3 repositories collected, 3 catalog components" in lines


def test_check_config_without_a_store_shows_the_config_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("PAGERDUTY_TOKEN", "t")
    path = write_config(tmp_path)
    assert main(["check-config", "--config", str(path)], now=NOW) == 0
    out = capsys.readouterr().out
    assert "  repo acme/orders → team-a (config)\n" in out
    assert "  repo acme/payments → unowned (unowned)\n" in out
    assert "  pagerduty PA → team-a (config)\n" in out
    assert not (tmp_path / "store.duckdb").exists()  # checking a config creates no database


def test_check_config_says_whether_the_respondent_secret_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`survey import` refuses to run without surveys.respondent_secret; check-config says so before
    anyone tries, without the value and without failing (only the import needs it)."""
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("PAGERDUTY_TOKEN", "t")
    monkeypatch.delenv("DORASPACE_SURVEY_SECRET", raising=False)
    path = write_config(tmp_path)
    assert main(["check-config", "--config", str(path)], now=NOW) == 0
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("surveys.")]
    assert line.startswith("surveys.respondent_secret: ") and line.endswith("(only survey import needs it)")
    assert "environment variable DORASPACE_SURVEY_SECRET is not set" in line
    monkeypatch.setenv("DORASPACE_SURVEY_SECRET", "pepper-0123456789")
    assert main(["check-config", "--config", str(path)], now=NOW) == 0
    out = capsys.readouterr().out
    assert "surveys.respondent_secret: set\n" in out and "pepper-0123456789" not in out
