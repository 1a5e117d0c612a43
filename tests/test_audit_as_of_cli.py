"""Audit through `doraspace metrics --format json --as-of …` (SPEC §2, §5.1, §6, §6.1–§6.4): the same store
read at several instants, the instant written in several ISO 8601 forms.

SPEC §2: "``--as-of`` evaluates the windows as of that instant (ISO 8601, UTC if no offset; default now):
facts after it are ignored, as if they had not happened yet". Every expected number is worked out by hand
in the docstrings; June–July 2026, UTC; attribution window 24 h.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.models import RepositoryFact
from collector.writer import write_repositories
from doraspace.cli import main
from store.engine import open_store
from tests.analytics.facts import METRIC_KEYS, Facts, add_incident, bands, sha
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import write_github_config

TOKEN_VARIABLE = "AUDIT_AS_OF_GITHUB_TOKEN"
TOKEN = "audit-as-of-token"
APIS = ("rest", "graphql")
NO_BREAKDOWN = {"coding": None, "pickup": None, "review": None, "deploy": None}


def at(month: int, dom: int, hour: float = 0.0) -> datetime:
    return datetime(2026, month, dom, tzinfo=UTC) + timedelta(hours=hour)


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def run_cli(args: list[str]) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(args)
    assert status == 0, err.getvalue()
    return out.getvalue()


def metrics(config: Path, as_of: str, *extra: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(
        run_cli(["metrics", "--config", str(config), "--format", "json", "--as-of", as_of, *extra])
    )
    assert all(list(row) == METRIC_KEYS for row in rows)
    return rows


def check(row: dict[str, Any], **expected: Any) -> None:
    """Compare the named fields of a metrics row; every mismatch is reported at once."""
    actual = {name: row[name] for name in expected}
    want = {name: approx(v) if isinstance(v, float) else v for name, v in expected.items()}
    assert actual == want, (row["team"], row["window"], row["as_of"])


# -- 1. GitHub: a rollback whose first success status comes after as_of, an incident open across it --------
#
# acme/cart (team cart), window 30d, the default production environment and incident label:
# * c0 (06-01 00:00) → D1 created 06-01 06:00, success 06:00 (inactive 06-29 20:00): the first deployment.
# * f1 (authored 06-29 16:00) → D2 created 19:55: in_progress 19:55, success 20:00; a post-deploy check
#   posts failure at 06-30 00:30 and it goes inactive at 01:00. deployed_at = its first success, 20:00
#   (§5.1): a deployment whatever came later. Lead 4 h.
# * f2 (20:30) → Y created 21:00: in_progress, failure 21:10. Never reached success: a failed attempt.
# * Issue "Cart totals wrong" (label incident) opened 06-29 23:00, closed 06-30 05:00.
# * X: a rollback to c0, created 06-29 23:30: in_progress 23:30, failure 23:45, success 06-30 01:00 (a
#   retry). deployed_at 01:00; compare f1...c0 is ``behind``: a rollback whose previous deployment is D2.


def build_cart(dataset: GitHubDataset) -> None:
    cart = dataset.add_repo("acme/cart")
    c0 = cart.commit("initial", author_date=at(6, 1))
    cart.deployment(
        c0, created_at=at(6, 1, 6), statuses=[("success", at(6, 1, 6)), ("inactive", at(6, 29, 20))]
    )
    f1 = cart.commit("Show totals", author_date=at(6, 29, 16))
    cart.deployment(
        f1,
        created_at=at(6, 29, 19 + 55 / 60),
        statuses=[
            ("in_progress", at(6, 29, 19 + 55 / 60)),
            ("success", at(6, 29, 20)),
            ("failure", at(6, 30, 0.5)),
            ("inactive", at(6, 30, 1)),
        ],
    )
    f2 = cart.commit("Cache totals", author_date=at(6, 29, 20.5))
    cart.deployment(
        f2,
        created_at=at(6, 29, 21),
        statuses=[("in_progress", at(6, 29, 21)), ("failure", at(6, 29, 21 + 1 / 6))],
    )
    cart.issue(
        title="Cart totals wrong", created_at=at(6, 29, 23), closed_at=at(6, 30, 5), labels=["incident"]
    )
    cart.deployment(
        c0,
        created_at=at(6, 29, 23.5),
        statuses=[("in_progress", at(6, 29, 23.5)), ("failure", at(6, 29, 23.75)), ("success", at(6, 30, 1))],
        description="rollback",
    )


# The instants asked for, by name: the same instant in four spellings, then three later instants.
MIDNIGHT_FORMS = (
    "2026-06-30T00:00:00Z",
    "2026-06-30T02:00:00+02:00",
    "2026-06-29T21:00:00-03:00",
    "2026-06-30",
)
LATER = ("2026-06-30T00:59:59Z", "2026-06-30T03:00:00+02:00", "2026-06-30T08:00:00+02:00")


@pytest.fixture(scope="module")
def cart_by_api(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, dict[str, list[dict[str, Any]]]]]:
    dataset = GitHubDataset()
    build_cart(dataset)
    result: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with pytest.MonkeyPatch.context() as patch, GitHubEmulator(dataset, token=TOKEN) as emulator:
        patch.setenv(TOKEN_VARIABLE, TOKEN)
        for api in APIS:
            config = write_github_config(
                tmp_path_factory.mktemp(f"cart-{api}"),
                emulator.base_url,
                TOKEN_VARIABLE,
                f"since: 2026-06-01\napi: {api}\nrepositories: [acme/cart]",
                "catalog: {discover: false}\nincidents: {attribution_window: 24h}\n"
                "teams: [{name: cart, repositories: [acme/cart]}]\nmetrics: {windows: [30d]}\n",
            )
            run_cli(["collect", "--config", str(config)])
            result[api] = {as_of: metrics(config, as_of) for as_of in (*MIDNIGHT_FORMS, *LATER)}
    yield result


@pytest.fixture(params=APIS)
def cart(
    request: pytest.FixtureRequest, cart_by_api: dict[str, dict[str, list[dict[str, Any]]]]
) -> dict[str, Any]:
    return cart_by_api[request.param]


def test_the_same_instant_with_any_offset_or_as_a_date_gives_the_same_rows(cart: dict[str, Any]) -> None:
    """02:00+02:00, 21:00−03:00 the day before and the bare date 2026-06-30 (its midnight, UTC) are all
    2026-06-30 00:00 UTC: identical rows, ``as_of`` written in UTC."""
    utc = cart["2026-06-30T00:00:00Z"]
    assert [row["as_of"] for row in utc] == ["2026-06-30T00:00:00Z"] * 2
    for form in MIDNIGHT_FORMS[1:]:
        assert cart[form] == utc, form


def test_a_rollback_retried_to_success_after_as_of_is_not_yet_a_deployment(cart: dict[str, Any]) -> None:
    """As of 06-30 00:00: 30d = (05-31, 06-30]: D1, D2 → 2 (2/30 a day: ≥ 1/30, medium); Y never
    succeeded and X's only status by then is a failure: neither counts. Lead f1 4 h (p50 = p90; elite).
    The issue (23:00, 3 h after D2, D2 the latest deployment before it) fails D2 by window: CFR 1/2
    (low); not closed yet: no recovery, no restore (recovery band null); incidents 1. D2 was deployed
    before the issue opened: no rework. No PR: no breakdown.

    As of 00:59:59 nothing more has happened (the window still holds D1 at 06-01 06:00): the same numbers.
    """
    for as_of in ("2026-06-30T00:00:00Z", "2026-06-30T00:59:59Z"):
        for row in cart[as_of]:
            assert row["team"] in ("*", "cart")
            check(row, deployments=2, deployment_frequency_per_day=2 / 30)
            check(row, lead_time_hours_p50=4.0, lead_time_hours_p90=4.0, change_failure_rate=0.5)
            check(row, failed_deployment_recovery_hours_p50=None, time_to_restore_hours_p50=None, incidents=1)
            check(row, rework_rate=0.0, lead_time_breakdown_hours_p50=NO_BREAKDOWN)
            assert row["bands"] == bands("medium", "elite", "low", None)


def test_once_the_rollback_succeeds_it_recovers_and_is_rework(cart: dict[str, Any]) -> None:
    """As of 01:00 UTC (03:00+02:00), exactly X's first success: 30d = (05-31 01:00, 06-30 01:00]: D1, D2,
    X → 3 (0.1 a day: medium). D2 failed by window and by rollback (X), recovered at the earlier of X
    (01:00) and the issue's close (05:00, not yet): 5 h (high). X: a rollback, deployed while the issue
    was open: rework 1/3; it fails nothing (no incident after it). CFR 1/3 (low). Issue still open: no
    restore. Lead still 4 h.

    As of 06:00 UTC (08:00+02:00): 30d = (05-31 06:00, 06-30 06:00]: D1 exactly 06-01 06:00 still in; the
    issue closed: restore 23:00 → 05:00 = 6 h. Recovery stays 5 h.
    """
    instants = (
        ("2026-06-30T03:00:00+02:00", "2026-06-30T01:00:00Z", None),
        ("2026-06-30T08:00:00+02:00", "2026-06-30T06:00:00Z", 6.0),
    )
    for as_of, utc, restore in instants:
        rows = cart[as_of]
        assert [(row["team"], row["as_of"]) for row in rows] == [("*", utc), ("cart", utc)]
        for row in rows:
            check(row, deployments=3, deployment_frequency_per_day=0.1, lead_time_hours_p50=4.0)
            check(row, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=5.0, rework_rate=1 / 3)
            check(row, incidents=1, time_to_restore_hours_p50=restore, time_to_restore_hours_p90=restore)
            assert row["bands"] == bands("medium", "elite", "low", "high")


# -- 2. a store built by the facts builder: bands from the 90d window while --as-of moves ---------------
#
# Team order-team owns acme/orders and PagerDuty service P1; windows 30d and 90d (dora-2023).
# * F0, the first deployment of the history, 04-02 00:00; I0 (P1) 04-02 01:00 → 04:00 fails it (window):
#   recovery 4 h, restore 3 h.
# * D2 05-15 00:00 ships c2 (lead 10 h); D3 06-20 00:00 ships c3 (lead 30 h).


@pytest.fixture
def orders_config(tmp_path: Path) -> Iterator[Path]:
    url = f"duckdb:///{tmp_path}/store.duckdb"
    path = tmp_path / "doraspace.yaml"
    teams = [{"name": "order-team", "repositories": ["acme/orders"], "pagerduty_services": ["P1"]}]
    path.write_text(
        f"database:\n  url: {url}\nteams: {json.dumps(teams)}\n"
        'metrics:\n  windows: ["30d", "90d"]\n'
        "incidents:\n  attribution_window: 24h\n"
    )
    engine = open_store(url)
    try:
        with engine.begin() as conn:
            write_repositories(conn, [RepositoryFact("acme/orders", "main")], {}, at(6, 30))
        facts = Facts(engine)
        facts.deployment(at(4, 2), compare="first", sha=sha("first-acme/orders"))
        add_incident(facts, "I0", at(4, 2, 1), resolved_at=at(4, 2, 4))
        for name, deployed_at, lead in (("c2", at(5, 15), 10.0), ("c3", at(6, 20), 30.0)):
            commit = facts.commit(sha(name), deployed_at - timedelta(hours=lead))
            facts.deployment(deployed_at, ships=[commit])
    finally:
        engine.dispose()
    yield path


def test_window_30d_rows_carry_the_90d_bands_as_the_as_of_moves(orders_config: Path) -> None:
    """``--window 30d`` prints the 30d rows only; their bands still come from the 90d window (§6.3).

    * 06-30 00:00 (written 02:00+02:00): 90d = (04-01, 06-30]: 3 deployments = 1/30 a day → medium; leads
      10, 30 → 20 h elite; F0 failed: 1/3 → low; recovery 4 h → high. 30d = (05-31, 06-30]: D3 alone.
    * 07-01 00:00 (the bare date): 90d = (04-02, 07-01]: F0 exactly at the start is out: 2/90 → low; CFR 0
      → elite; no failed deployment: restore 3 h (I0 started and resolved inside) → high.
    * 07-02 00:00 (written 07-01 21:00−03:00): 90d = (04-03, 07-02]: I0 is out too: recovery null.
    Every 30d row: D3 only, 1/30 a day, lead 30 h, CFR 0, no incident.
    """
    expected = {
        "2026-06-30T02:00:00+02:00": ("2026-06-30T00:00:00Z", bands("medium", "elite", "low", "high")),
        "2026-07-01": ("2026-07-01T00:00:00Z", bands("low", "elite", "elite", "high")),
        "2026-07-01T21:00:00-03:00": ("2026-07-02T00:00:00Z", bands("low", "elite", "elite", None)),
    }
    for as_of, (utc, expected_bands) in expected.items():
        rows = metrics(orders_config, as_of, "--window", "30d")
        assert [(row["team"], row["window"]) for row in rows] == [("*", "30d"), ("order-team", "30d")]
        for row in rows:
            assert row["as_of"] == utc
            check(row, deployments=1, deployment_frequency_per_day=1 / 30, lead_time_hours_p50=30.0)
            check(row, change_failure_rate=0.0, incidents=0, time_to_restore_hours_p50=None)
            assert row["bands"] == expected_bands, as_of
    # The 90d rows themselves, at the first two instants.
    ninety = {
        row["team"]: row for row in metrics(orders_config, "2026-06-30T02:00:00+02:00", "--window", "90d")
    }
    for row in ninety.values():
        check(row, deployments=3, deployment_frequency_per_day=1 / 30, lead_time_hours_p50=20.0)
        check(
            row, lead_time_hours_p90=28.0, change_failure_rate=1 / 3, failed_deployment_recovery_hours_p50=4.0
        )
        check(row, incidents=1, time_to_restore_hours_p50=3.0)
    for row in metrics(orders_config, "2026-07-01", "--window", "90d"):
        check(row, deployments=2, deployment_frequency_per_day=2 / 90, change_failure_rate=0.0)
        check(row, failed_deployment_recovery_hours_p50=None, incidents=1, time_to_restore_hours_p50=3.0)
