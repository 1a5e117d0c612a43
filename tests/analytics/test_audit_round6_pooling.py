"""Audit, round 6: per-team pooling and the organisation row, where two or more rules meet (SPEC §4, §5.1,
§5.2, §6, §6.1, §6.2, §6.3; docs/metrics.md where SPEC leaves a choice).

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC: 7d = (06-23 00:00, 06-30 00:00], 30d = (05-31 00:00,
06-30 00:00]; the scenarios configure 30d alone or 7d and 30d, so bands come from 30d (the longest).
Attribution window 24 h, benchmarks dora-2023 unless a scenario says otherwise. Ownership is resolved as
``doraspace`` resolves it (``resolve_ownership`` over the config's ``teams:``, the catalog components and
the collected repositories, then ``repo_scopes`` / ``pagerduty_scopes``), so each repository is read from
its own configured deployment source. A repo's first deployment (compare ``first``) counts and adds no
lead times. Everything goes through ``compute_metrics`` (what ``doraspace metrics`` runs), on an in-memory
DuckDB store (the module's time budget). Every expected number is worked out by hand in the test's
docstring.

SPEC sentences the scenarios lean on:

* §5.1 "Per repository, from its configured source"; §3 ``repositories:`` "objects that override the
  deployment source".
* §6 "Team metrics cover the repos and PagerDuty services the team owns. Medians and p90 are
  percentile_cont (linear interpolation) … The organisation row "*" covers everything collected, team
  unowned included."
* §6.2 ``lead_time_hours_p50, _p90`` "over the lead times of all changes of those deployments";
  ``change_failure_rate`` "failed deployments ÷ deployments, both in the window";
  ``deployment_frequency_per_day`` "deployments / N".
* §6.3 the band table; "Bands always come from the 90-day window (or the longest configured)".
* §4 "teams: in the config adds and overrides … everything else keeps its catalog owner … A repo … owned
  by nobody belongs to team unowned".

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); value v⌊r⌋ + (r − ⌊r⌋) ×
(v⌊r⌋+1 − v⌊r⌋).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from analytics.ownership import (
    CatalogComponent,
    DeploymentChoice,
    OwnershipSettings,
    PagerDutyScope,
    RepoScope,
    TeamClaim,
    pagerduty_scopes,
    repo_scopes,
    resolve_ownership,
)
from tests.analytics.facts import AS_OF, Facts, Review, add_incident, at, bands, sha
from tests.analytics.scenario import LATER, W7, W30, approx, check, day, failed, failed_recovered, rows, run

SETS = ("dora-2023", "dora-2021")


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store: these scenarios write a few hundred facts, one transaction each, and
    the module must stay within its time budget (the SQL is the same on PostgreSQL, which the other
    analytics audits exercise)."""
    return Facts.in_memory()


def scopes_of(
    repos: Sequence[str],
    teams: Sequence[TeamClaim] = (),
    components: Sequence[CatalogComponent] = (),
    sources: Sequence[tuple[str, str]] = (),
    service_ids: Sequence[str] = (),
) -> tuple[list[RepoScope], list[PagerDutyScope], dict[str, str]]:
    """Repo and PagerDuty scopes as ``doraspace`` builds them; ``sources`` are (repo, source) overrides
    of the default ``deployments`` in ``production``. Also returns where each repo's team came from."""
    settings = OwnershipSettings(
        teams=tuple(teams),
        repository_sources=tuple((repo, DeploymentChoice(source, "production")) for repo, source in sources),
        pagerduty_service_ids=tuple(service_ids),
    )
    ownership = resolve_ownership(settings, repos, list(components))
    return (
        repo_scopes(settings, repos, ownership),
        pagerduty_scopes(ownership, settings),
        dict(ownership.repo_origin),
    )


def begin(facts: Facts, repo: str, source: str = "deployments", when: datetime | None = None) -> int:
    """The repo's first deployment of ``source`` (compare ``first``): counts, no lead times."""
    return facts.deployment(
        when or at(1), compare="first", repo=repo, source=source, sha=sha(f"first-{repo}-{source}")
    )


def deploy(
    facts: Facts,
    when: datetime,
    leads: Sequence[float],
    *,
    repo: str,
    source: str = "deployments",
    environment: str = "production",
) -> int:
    """A deployment shipping one direct commit per lead time (hours: authored that long before it)."""
    shas = [
        facts.commit(
            sha(f"{repo}-{source}-{environment}-{when.isoformat()}-{i}"),
            when - timedelta(hours=h),
            repo=repo,
        )
        for i, h in enumerate(leads)
    ]
    return facts.deployment(
        when, ships=shas, repo=repo, source=source, environment=environment, sha=shas[-1] if shas else None
    )


# -- 1. one team, three repos, three deployment sources: lead time pooled over the team's changes ----------


def test_team_of_three_sources_pools_its_changes_not_its_repositories_medians(facts: Facts) -> None:
    """``platform`` (config) owns acme/api (default source ``deployments``), acme/web (``workflow_runs``)
    and acme/cli (``releases``); acme/stray (``deployments``) is nobody's: ``unowned``. Each repo's first
    deployment of its source is 06-01 00:00.
    acme/api A2 06-20 00:00 ships changes of lead 1, 2, 3 h (median 2).
    acme/cli R2 06-23 00:00 (exactly the 7d window's open start: in 30d only) ships lead 10 h.
    acme/web W2 06-29 12:00 ships leads 40, 50 h (median 45).
    acme/stray S2 06-24 00:00 ships leads 5, 7 h.
    Noise that must take part in nothing (§5.1 "from its configured source"; "only the production
    environment counts"): acme/web GitHub Deployments in production (first 06-02, then 06-25 lead 0.5 h),
    acme/cli workflow runs (first 06-02, then 06-26 lead 0.25 h), acme/api in staging 06-27 (lead 0.75 h).

    platform 7d: W2 → deployments 1, 1/7 a day; leads 40, 50 → p50 45, p90 40 + 0.9 × 10 = 49.
    platform 30d: 3 firsts + A2, R2, W2 = 6, 6/30 = 0.2 a day; pooled leads 1, 2, 3, 10, 40, 50 (n 6):
      p50 r 2.5 → 3 + 0.5 × 7 = 6.5; p90 r 4.5 → 40 + 0.5 × 10 = 45. (Median of the repos' medians
      2, 10, 45 would be 10, their mean 19; the noise counted would add 0.25, 0.5, 0.75 and give p50 2.5.)
    unowned 7d: S2 → 1; 5, 7 → p50 6, p90 6.8. 30d: 2; the same leads.
    "*" 7d: W2, S2 → 2, 2/7; leads 5, 7, 40, 50 → p50 r 1.5 → 7 + 0.5 × 33 = 23.5; p90 r 2.7 → 40 + 0.7 × 10
      = 47. "*" 30d: 8, 8/30; leads 1, 2, 3, 5, 7, 10, 40, 50 → p50 r 3.5 → 5 + 0.5 × 2 = 6; p90 r 6.3 → 40 +
      0.3 × 10 = 43.
    No incident: CFR 0 wherever there are deployments. Bands from 30d (the longest): platform 0.2 ≥ 1/7 →
    high, 6.5 h elite, 0 % elite, no recovery nor restore → null; unowned 2/30 ≥ 1/30 → medium, 6 h elite;
    "*" 8/30 high, 6 h elite.
    """
    api, web, cli, stray = "acme/api", "acme/web", "acme/cli", "acme/stray"
    scopes, pd_scopes, _ = scopes_of(
        [api, web, cli, stray],
        teams=[TeamClaim("platform", (api, web, cli))],
        sources=[(web, "workflow_runs"), (cli, "releases")],
    )
    assert {(s.repo, s.team, s.source) for s in scopes} == {
        (api, "platform", "deployments"),
        (web, "platform", "workflow_runs"),
        (cli, "platform", "releases"),
        (stray, "unowned", "deployments"),
    }
    begin(facts, api)
    begin(facts, web, "workflow_runs")
    begin(facts, cli, "releases")
    begin(facts, stray)
    deploy(facts, at(20), [1, 2, 3], repo=api)
    deploy(facts, at(23), [10], repo=cli, source="releases")
    deploy(facts, at(29, 12), [40, 50], repo=web, source="workflow_runs")
    deploy(facts, at(24), [5, 7], repo=stray)
    # Other sources and environments of the team's repos.
    begin(facts, web, "deployments", at(2))
    deploy(facts, at(25), [0.5], repo=web, source="deployments")
    begin(facts, cli, "workflow_runs", at(2))
    deploy(facts, at(26), [0.25], repo=cli, source="workflow_runs")
    deploy(facts, at(27), [0.75], repo=api, environment="staging")

    got = rows(run(facts, scopes, pd_scopes, windows=(W7, W30)))
    check(
        got["platform", "7d"],
        deployments=1,
        deployment_frequency_per_day=1 / 7,
        lead_time_hours_p50=45.0,
        lead_time_hours_p90=49.0,
        change_failure_rate=0.0,
    )
    check(
        got["platform", "30d"],
        deployments=6,
        deployment_frequency_per_day=0.2,
        lead_time_hours_p50=6.5,
        lead_time_hours_p90=45.0,
        change_failure_rate=0.0,
    )
    for window, deployments in (("7d", 1), ("30d", 2)):
        check(
            got["unowned", window], deployments=deployments, lead_time_hours_p50=6.0, lead_time_hours_p90=6.8
        )
    check(
        got["*", "7d"],
        deployments=2,
        deployment_frequency_per_day=2 / 7,
        lead_time_hours_p50=23.5,
        lead_time_hours_p90=47.0,
    )
    check(
        got["*", "30d"],
        deployments=8,
        deployment_frequency_per_day=8 / 30,
        lead_time_hours_p50=6.0,
        lead_time_hours_p90=43.0,
        change_failure_rate=0.0,
    )
    for window in ("7d", "30d"):
        assert got["platform", window].bands == bands("high", "elite", "elite", None)
        assert got["unowned", window].bands == bands("medium", "elite", "elite", None)
        assert got["*", window].bands == bands("high", "elite", "elite", None)


# -- 2. the organisation row over catalog, config and unowned repositories and services --------------------


def test_organisation_row_over_catalog_config_and_unowned_ownership(facts: Facts) -> None:
    """Catalog (file order a, b, c, e): component ``a`` (acme/a, owner team-x, PagerDuty PA), ``b`` (acme/b,
    owner team-y, PB), ``c`` (acme/c, no owner, PC), ``e`` (acme/e, owner team-y). Config: ``teams:``
    team-x names acme/b. acme/d has no component and no team.
    → acme/a team-x (catalog); acme/b team-x (config, leaves component b: its own service); acme/c unowned
    (an ownerless component: PC is collected for unowned and belongs to acme/c, docs/metrics.md); acme/d
    unowned; acme/e team-y (catalog). PB stays team-y's (catalog) but fails none of acme/b's deployments
    (given to another team, docs/metrics.md).
    Firsts 06-01 00:00. A2 06-10 00:00 (leads 2, 4 h); IA on PA 02:00 → 05:00: window → A2, recovery 5 h,
    restore 3 h. B2 06-12 00:00 (lead 8); IB on PB 01:00 → 03:00: team-y's incident, fails nothing,
    restore 2 h. C2 06-14 00:00 (lead 6); IC on PC 04:00 → 10:00: window → C2 (unowned), recovery 10,
    restore 6. D2 06-16 00:00 (lead 12). E2 06-18 00:00 (lead 1), E3 06-19 00:00 (lead 3).

    30d team-x: deployments 4 (a, b: first + 1); leads 2, 4, 8 → p50 4, p90 r 1.8 → 4 + 0.8 × 4 = 7.2; CFR
      1/4; recovery 5; incidents 1; restore 3. Bands: 4/30 < 1/7 → medium; elite; 25 % low; 5 h high.
    team-y: deployments 3; leads 1, 3 → 2, 1 + 0.9 × 2 = 2.8; CFR 0; recovery null; incidents 1 (IB);
      restore 2. Bands: medium; elite; elite; restore 2 h → high.
    unowned: deployments 4 (c, d); leads 6, 12 → 9, 6 + 0.9 × 6 = 11.4; CFR 1/4; recovery 10; incidents 1;
      restore 6. Bands: medium; elite; low; high.
    "*": deployments 11 = 4 + 3 + 4 (every deployment once); leads 1, 2, 3, 4, 6, 8, 12 → p50 r 3 → 4, p90 r
      5.4 → 8 + 0.4 × 4 = 9.6; CFR 2/11; recovery 5, 10 → 7.5; incidents 3; restore 2, 3, 6 → p50 3, p90 r
      1.8 → 3 + 0.8 × 3 = 5.4. Bands: 11/30 ≥ 1/7 high; elite; 18.2 % low; 7.5 h high.
    """
    a, b, c, d, e = (f"acme/{name}" for name in "abcde")
    components = [
        CatalogComponent(a, 0, "a", "team-x", a, "PA"),
        CatalogComponent(b, 0, "b", "team-y", b, "PB"),
        CatalogComponent(c, 0, "c", None, c, "PC"),
        CatalogComponent(e, 0, "e", "team-y", e, None),
    ]
    scopes, pd_scopes, origin = scopes_of([a, b, c, d, e], [TeamClaim("team-x", (b,))], components)
    assert origin == {a: "catalog", b: "config", c: "unowned", d: "unowned", e: "catalog"}
    assert {(s.repo, s.team) for s in scopes} == {
        (a, "team-x"),
        (b, "team-x"),
        (c, "unowned"),
        (d, "unowned"),
        (e, "team-y"),
    }
    assert {(s.service_id, s.team) for s in pd_scopes} == {
        ("PA", "team-x"),
        ("PB", "team-y"),
        ("PC", "unowned"),
    }
    for repo in (a, b, c, d, e):
        begin(facts, repo)
    a2 = deploy(facts, at(10), [2, 4], repo=a)
    add_incident(facts, "IA", at(10, 2), resolved_at=at(10, 5), service="PA")
    deploy(facts, at(12), [8], repo=b)
    add_incident(facts, "IB", at(12, 1), resolved_at=at(12, 3), service="PB")
    c2 = deploy(facts, at(14), [6], repo=c)
    add_incident(facts, "IC", at(14, 4), resolved_at=at(14, 10), service="PC")
    deploy(facts, at(16), [12], repo=d)
    deploy(facts, at(18), [1], repo=e)
    deploy(facts, at(19), [3], repo=e)

    result = run(facts, scopes, pd_scopes, windows=(W30,))
    got = rows(result)
    assert failed(result) == {a2: ("window",), c2: ("window",)}
    assert sorted(team for team, _ in got) == ["*", "team-x", "team-y", "unowned"]
    check(
        got["team-x", "30d"],
        deployments=4,
        lead_time_hours_p50=4.0,
        lead_time_hours_p90=7.2,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        rework_rate=0.0,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        got["team-y", "30d"],
        deployments=3,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.8,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        bands=bands("medium", "elite", "elite", "high"),
    )
    check(
        got["unowned", "30d"],
        deployments=4,
        lead_time_hours_p50=9.0,
        lead_time_hours_p90=11.4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=10.0,
        incidents=1,
        time_to_restore_hours_p50=6.0,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        got["*", "30d"],
        deployments=11,
        deployment_frequency_per_day=11 / 30,
        lead_time_hours_p50=4.0,
        lead_time_hours_p90=9.6,
        change_failure_rate=2 / 11,
        failed_deployment_recovery_hours_p50=7.5,
        incidents=3,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=5.4,
        rework_rate=0.0,
        bands=bands("high", "elite", "low", "high"),
    )


# -- 3. two repos deploying on the same instants: frequency per window, 1/day exactly in 30d ---------------


@pytest.mark.parametrize("attempt", [False, True], ids=["30-deployments", "one-failed-attempt"])
def test_two_repos_deploying_on_the_same_instants_count_twice_in_every_window(
    facts: Facts, attempt: bool
) -> None:
    """Windows 7d and 30d (bands from 30d, the longest configured). ``core`` (config) owns acme/a and
    acme/b; acme/stray is unowned. Both core repos deploy at the same 15 instants t_k = as_of − 47 h × k,
    k = 0 … 14 (t_14 = as_of − 658 h, in 30d), each shipping one change: acme/a's authored 1 h before,
    acme/b's 3 h before. Their first deployments are both exactly at as_of − 30 days (05-31 00:00: the 30d
    window's open start, so out of every window). acme/stray: first 05-31 00:00 too, S2 exactly at as_of
    (in every window), lead 5 h.
    7d: 47 k < 168 → k 0 … 3: 4 instants × 2 = 8 deployments, 8/7; 30d: 15 × 2 = 30, 30/30 = 1 a day →
    elite exactly (each repo alone 0.5 a day; one deployment per instant 15/30 → high).
    Leads 7d: 1 ×4, 3 ×4 (n 8) → p50 r 3.5 → 1 + 0.5 × 2 = 2; p90 r 6.3 → 3. 30d: 1 ×15, 3 ×15 (n 30) →
    p50 r 14.5 → 2; p90 r 26.1 → 3.
    "*" adds S2: 7d 9, 30d 31. Leads 7d (n 9): 1 ×4, 3 ×4, 5 → p50 r 4 → 3; p90 r 7.2 → 3 + 0.2 × 2 = 3.4.
    30d (n 31): 1 ×15, 3 ×15, 5 → p50 r 15 → 3; p90 r 27 → 3.

    With acme/b's deployment at t_14 a failed attempt instead (never succeeded: no deployment; acme/b's
    next one compares with its first): core 30d 29, 29/30 < 1 → high; leads 1 ×15, 3 ×14 (n 29): p50 r 14
    → 1 (the 15th value is still a one); p90 r 25.2 → 3. "*" 30d 30: 1 ×15, 3 ×14, 5 (n 30): p50 r 14.5
    → 2; p90 r 26.1 → 3. 7d unchanged. Bands from 30d on every row (dora-2023): core frequency elite (30)
    / high (29); lead time < 1 day elite; CFR 0 elite; no incident → recovery null. "*" 31 or 30: elite.
    """
    a, b, stray = "acme/a", "acme/b", "acme/stray"
    scopes, pd_scopes, _ = scopes_of([a, b, stray], [TeamClaim("core", (a, b))])
    start = AS_OF - timedelta(days=30)
    for repo in (a, b, stray):
        begin(facts, repo, when=start)
    for k in reversed(range(15)):
        when = AS_OF - timedelta(hours=47 * k)
        deploy(facts, when, [1], repo=a)
        if attempt and k == 14:
            facts.deployment(None, sha=sha("never"), repo=b)
        else:
            deploy(facts, when, [3], repo=b)
    deploy(facts, AS_OF, [5], repo=stray)

    got = rows(run(facts, scopes, pd_scopes, windows=(W7, W30)))
    core_30, org_30 = (29, 30) if attempt else (30, 31)
    for team, counts in (("core", (8, core_30)), ("*", (9, org_30))):
        for window, count in zip((W7, W30), counts, strict=True):
            check(
                got[team, window.label],
                deployments=count,
                deployment_frequency_per_day=count / window.days,
                change_failure_rate=0.0,
            )
    check(got["core", "7d"], lead_time_hours_p50=2.0, lead_time_hours_p90=3.0)
    check(got["core", "30d"], lead_time_hours_p50=1.0 if attempt else 2.0, lead_time_hours_p90=3.0)
    check(got["*", "7d"], lead_time_hours_p50=3.0, lead_time_hours_p90=3.4)
    check(got["*", "30d"], lead_time_hours_p50=2.0 if attempt else 3.0, lead_time_hours_p90=3.0)
    frequency = "high" if attempt else "elite"
    for window in ("7d", "30d"):
        assert got["core", window].bands == bands(frequency, "elite", "elite", None)
        assert got["*", window].bands == bands("elite", "elite", "elite", None)


# -- 4. one incident failing two repos of one team, another failing two teams; one overlap ------------------


def test_incidents_failing_two_repos_of_one_team_and_two_teams_count_each_deployment_once(
    facts: Facts,
) -> None:
    """team-x (config) owns acme/a, acme/b and PagerDuty PX (belongs to both repos, each its own service);
    team-y owns acme/c and PY. Firsts 06-01 00:00.
    A2 06-10 00:00 (change a2, lead 2 h); B2 06-10 01:00 (b2, lead 3 h); C2 06-10 03:00 (c2, lead 1 h).
    I1 on PX 06-10 02:00 → 06:00: window → the latest of service acme/a (A2) and of acme/b (B2), both
      within 24 h: one incident fails two deployments of one team. (C2 is not of PX's services.)
    I2 on PY 06-11 12:00 → 16:00, title "rollout of <b2[:8]> and <c2[:10]> broke login": explicit → B2
      (team-x: already failed by I1, still one failed deployment) and C2 (team-y); no window rule, so C3
      (06-11 00:00, the latest of acme/c before I2) is not failed.
    Later deployments, each one change of lead 1 h: A3–A5 06-20, 21, 22 00:00; B3–B5 the same days 06:00;
      C3–C20 06-11 … 06-28 00:00 (18). No deployment during an open incident of its service: rework 0.
    Recovery: A2 → I1 resolved 06-10 06:00: 6 h; B2 → the earliest of I1 (06:00) and I2 (06-11 16:00): 5 h;
      C2 → I2 06-11 16:00: 37 h.

    30d team-x: deployments 10; failed A2, B2 → CFR 0.2; recovery 5, 6 → 5.5; incidents 1 (I1), restore 4;
      leads 1 ×6, 2, 3 (n 8) → p50 r 3.5 → 1; p90 r 6.3 → 2 + 0.3 × 1 = 2.3. Bands: 10/30 ≥ 1/7 high; elite;
      20 % low; 5.5 h high.
    team-y: deployments 20; failed C2 → 1/20 = 5 % → elite exactly; recovery 37 → medium (< 1 week);
      incidents 1 (I2, on PY), restore 4. 20/30 high.
    "*": deployments 30 → 30/30 = 1 a day → elite exactly; failed A2, B2, C2 = 3 (B2 once) → 3/30 = 10 % →
      high exactly (the mean of the teams' rates would be 12.5 %: medium; B2 counted twice 13.3 %);
      recovery 5, 6, 37 → 6 → high; incidents 2; restore 4, 4 → 4.
    """
    a, b, c = "acme/a", "acme/b", "acme/c"
    scopes, pd_scopes, _ = scopes_of(
        [a, b, c], [TeamClaim("team-x", (a, b), ("PX",)), TeamClaim("team-y", (c,), ("PY",))]
    )
    for repo in (a, b, c):
        begin(facts, repo)
    a2 = deploy(facts, at(10), [2], repo=a)
    b2 = deploy(facts, at(10, 1), [3], repo=b)
    c2 = deploy(facts, at(10, 3), [1], repo=c)
    b2_sha = sha(f"{b}-deployments-production-{at(10, 1).isoformat()}-0")
    c2_sha = sha(f"{c}-deployments-production-{at(10, 3).isoformat()}-0")
    add_incident(facts, "I1", at(10, 2), resolved_at=at(10, 6), service="PX")
    add_incident(
        facts,
        "I2",
        at(11, 12),
        resolved_at=at(11, 16),
        service="PY",
        title=f"rollout of {b2_sha[:8]} and {c2_sha[:10]} broke login",
    )
    for dom in (20, 21, 22):
        deploy(facts, at(dom), [1], repo=a)
        deploy(facts, at(dom, 6), [1], repo=b)
    for dom in range(11, 29):
        deploy(facts, at(dom), [1], repo=c)

    result = run(facts, scopes, pd_scopes, windows=(W30,))
    got = rows(result)
    assert failed_recovered(result) == {
        a2: (("window",), at(10, 6)),
        b2: (("explicit", "window"), at(10, 6)),
        c2: (("explicit",), at(11, 16)),
    }
    check(
        got["team-x", "30d"],
        deployments=10,
        change_failure_rate=0.2,
        failed_deployment_recovery_hours_p50=5.5,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=2.3,
        bands=bands("high", "elite", "low", "high"),
    )
    check(
        got["team-y", "30d"],
        deployments=20,
        change_failure_rate=0.05,
        failed_deployment_recovery_hours_p50=37.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=0.0,
        bands=bands("high", "elite", "elite", "medium"),
    )
    check(
        got["*", "30d"],
        deployments=30,
        deployment_frequency_per_day=1.0,
        change_failure_rate=0.1,
        failed_deployment_recovery_hours_p50=6.0,
        incidents=2,
        time_to_restore_hours_p50=4.0,
        time_to_restore_hours_p90=4.0,
        rework_rate=0.0,
        bands=bands("elite", "elite", "high", "high"),
    )


# -- 5. band edges hit exactly by pooled values of two sources; unowned values move "*" below them ---------


def test_pooled_lead_time_recovery_and_failure_rate_exactly_at_band_edges(facts: Facts) -> None:
    """``team-x`` (config) owns acme/a (``deployments``) and acme/b (``workflow_runs``) and PagerDuty PX
    (both repos, each its own service); acme/s is unowned. Firsts 06-01 00:00 (a and b), 06-05 (s).
    A2 06-10 00:00 ships leads 1, 2, 3 h; A3 06-10 00:30 rolls back to acme/a's first (compare behind):
      A2 failed (rollback), recovered at A3: 0.5 h.
    B2 06-12 00:00 ships leads 23, 25, 26, 27, 28 h; I on PX 06-12 00:30 → 01:30: window → the latest of
      service acme/b, B2 (acme/a's latest, A3, is 48 h earlier: out of the 24 h), recovered 01:30: 1.5 h;
      restore 1 h.
    15 deployments with no change (compare ahead, no commits), acme/a on the even days 06-14 … 06-28 (8),
      acme/b on the odd days 06-15 … 06-27 (7): they fail nothing and add no lead time.
    S2 06-20 00:00 ships lead 20 h.

    team-x 30d: deployments acme/a first, A2, A3 + 8 = 11, acme/b first, B2 + 7 = 9: 20; failed A2, B2 →
      2/20 = 10 %; leads 1, 2, 3, 23, 25, 26, 27, 28 (n 8): p50 r 3.5 → 23 + 0.5 × 2 = 24 h exactly; p90
      r 6.3 → 27 + 0.3 × 1 = 27.3 (the repos' medians 2 and 26 average 14). Recovery 0.5, 1.5 → 1 h
      exactly. Restore 1. Rework 1/20 (the rollback).
    "*" 30d: 22 deployments; CFR 2/22; leads add 20 (n 9): p50 r 4 → 23; p90 r 7.2 → 27 + 0.2 × 1 = 27.2;
      recovery 1 h.
    dora-2023, team-x: 20/30 ≥ 1/7 high; 24 h is not "< 1 day" → high; 10 % "≤ 10 %" → high; 1 h is not
      "< 1 hour" → high. "*": high; 23 h elite; 9.1 % high; high.
    dora-2021, team-x: 20/30 ≥ 1/30 high; 24 h high; 10 % ≤ 15 % elite; 1 h high. "*": high; 23 h high
      (not < 1 hour); elite; high.
    """
    a, b, s = "acme/a", "acme/b", "acme/s"
    scopes, pd_scopes, _ = scopes_of(
        [a, b, s], [TeamClaim("team-x", (a, b), ("PX",))], sources=[(b, "workflow_runs")]
    )
    begin(facts, a)
    begin(facts, b, "workflow_runs")
    begin(facts, s, when=at(5))
    a2 = deploy(facts, at(10), [1, 2, 3], repo=a)
    facts.deployment(at(10, 0.5), sha=sha(f"first-{a}-deployments"), compare="behind", repo=a)
    b2 = deploy(facts, at(12), [23, 25, 26, 27, 28], repo=b, source="workflow_runs")
    add_incident(facts, "I", at(12, 0.5), resolved_at=at(12, 1.5), service="PX")
    for dom in range(14, 29):
        repo, source = (a, "deployments") if dom % 2 == 0 else (b, "workflow_runs")
        deploy(facts, at(dom), [], repo=repo, source=source)
    deploy(facts, at(20), [20], repo=s)

    expected = {
        "dora-2023": (bands("high", "high", "high", "high"), bands("high", "elite", "high", "high")),
        "dora-2021": (bands("high", "high", "elite", "high"), bands("high", "high", "elite", "high")),
    }
    for benchmarks in SETS:
        result = run(facts, scopes, pd_scopes, windows=(W7, W30), benchmarks=benchmarks)
        got = rows(result)
        assert failed_recovered(result) == {
            a2: (("rollback",), at(10, 0.5)),
            b2: (("window",), at(12, 1.5)),
        }
        check(
            got["team-x", "30d"],
            deployments=20,
            change_failure_rate=0.1,
            lead_time_hours_p50=24.0,
            lead_time_hours_p90=27.3,
            failed_deployment_recovery_hours_p50=1.0,
            time_to_restore_hours_p50=1.0,
            rework_rate=0.05,
        )
        check(
            got["*", "30d"],
            deployments=22,
            change_failure_rate=2 / 22,
            lead_time_hours_p50=23.0,
            lead_time_hours_p90=27.2,
            failed_deployment_recovery_hours_p50=1.0,
        )
        for window in ("7d", "30d"):
            assert (got["team-x", window].bands, got["*", window].bands) == expected[benchmarks], (
                benchmarks,
                window,
            )


# -- 6. config names spelled in another case, a merged_prs repo with two merges at one instant ---------------


def test_case_insensitive_config_names_pool_a_merged_prs_repo_with_same_instant_merges(facts: Facts) -> None:
    """Collected repos acme/api and acme/web (GitHub's spelling). ``teams:`` platform names ``ACME/Api``
    and ``Acme/Web``; ``repositories:`` overrides ``ACME/WEB`` to ``merged_prs`` (names compare
    case-insensitively, docs/configuration.md). So one team ``platform`` over both, acme/web read from
    ``merged_prs``, and no ``unowned`` row.
    Firsts 06-01 00:00 (acme/api ``deployments``, acme/web ``merged_prs``).
    acme/web: PR #1 (commit 06-25 02:00, opened 04:00, no review) and PR #2 (commit 06-25 06:00, opened
      09:00, carol 10:00) are both squash-merged at 06-25 12:00: two deployments at the same instant, each
      shipping its squash → leads 10 and 6; breakdown PR #1 coding 2, deploy 0; PR #2 coding 3, pickup 1,
      review 2, deploy 0.
    acme/api: A2 at the same instant 06-25 12:00 ships direct changes of lead 1, 2 h.
    Noise: acme/web GitHub Deployments (another source) first 06-02, then 06-26 00:00 shipping a change of
      lead 0.5 h and listing PR #2's squash again: it counts nowhere and deploys no PR.
    platform 7d and 30d: deployments 3 (7d: 3/7) and 5 (30d: 5/30); leads 1, 2, 6, 10 (n 4): p50 r 1.5 → 2 +
      0.5 × 4 = 4; p90 r 2.7 → 6 + 0.7 × 4 = 8.8. Breakdown: coding (2, 3) 2.5, pickup 1, review 2, deploy
      (0, 0) 0. "*" the same numbers.
    Bands (30d): 5/30 ≥ 1/7 high; 4 h elite; CFR 0 elite; no incident → null.
    """
    api, web = "acme/api", "acme/web"
    scopes, pd_scopes, origin = scopes_of(
        [api, web], [TeamClaim("platform", ("ACME/Api", "Acme/Web"))], sources=[("ACME/WEB", "merged_prs")]
    )
    assert {(s.repo, s.team, s.source) for s in scopes} == {
        (api, "platform", "deployments"),
        (web, "platform", "merged_prs"),
    }
    assert origin == {api: "config", web: "config"}
    begin(facts, api)
    begin(facts, web, "merged_prs")
    merged = at(25, 12)
    squashes = []
    for number, committed, opened, reviews in (
        (1, at(25, 2), at(25, 4), ()),
        (2, at(25, 6), at(25, 9), (Review("carol", at(25, 10)),)),
    ):
        squash_sha = facts.commit(sha(f"{web}#{number}"), merged, repo=web)
        facts.pull_request(
            number,
            created_at=opened,
            merged_at=merged,
            merge_commit_sha=squash_sha,
            commit_dates=[committed],
            reviews=reviews,
            repo=web,
        )
        facts.deployment(merged, ships=[squash_sha], repo=web, source="merged_prs")
        squashes.append(squash_sha)
    deploy(facts, merged, [1, 2], repo=api)
    begin(facts, web, "deployments", at(2))
    noise = facts.commit(sha("noise"), at(25, 23.5), repo=web)
    facts.deployment(at(26), ships=[squashes[1], noise], repo=web, source="deployments")

    got = rows(run(facts, scopes, pd_scopes, windows=(W7, W30)))
    assert sorted({team for team, _ in got}) == ["*", "platform"]
    breakdown = {"coding": 2.5, "pickup": 1.0, "review": 2.0, "deploy": 0.0}
    for team in ("platform", "*"):
        for window, count in ((W7, 3), (W30, 5)):
            check(
                got[team, window.label],
                deployments=count,
                deployment_frequency_per_day=count / window.days,
                lead_time_hours_p50=4.0,
                lead_time_hours_p90=8.8,
                change_failure_rate=0.0,
                bands=bands("high", "elite", "elite", None),
            )
            assert got[team, window.label].lead_time_breakdown_hours_p50 == {
                stage: approx(value) for stage, value in breakdown.items()
            }


# -- 7. time to restore pooled over a team's config, catalog and issue incidents; windows by resolution -----


def test_restore_pooled_over_a_teams_incident_sources_at_a_band_edge_with_windows(facts: Facts) -> None:
    """Component ``a`` (acme/a, owner team-x, PagerDuty PA); ``teams:`` team-x names acme/b and PagerDuty
    PX; acme/s has no owner; ``pagerduty.service_ids`` adds PU (nobody's: ``unowned``). Every repo's only
    deployment is 05-01 (out of both windows, and weeks before every incident: no failure).
    team-x: X1 on PX 06-10 00:00 → 01:00 (1 h); X2 on PX 06-22 20:00 → 06-23 00:00 (4 h, resolved exactly
      at the 7d window's open start: out of 7d); A1 on PA 06-22 00:00 → 06-24 00:00 (48 h: started before
      7d, resolved in it); issue acme/b#1 06-25 00:00 → 06-26 20:00 (44 h); issue acme/b#2 06-29 00:00, still
      open at as_of.
    unowned: U1 on PU 06-26 00:00 → 03:00 (3 h); issue acme/s#1 06-27 00:00 → 02:00 (2 h).

    team-x 30d: incidents (started) X1, X2, A1, b#1, b#2 = 5; restore (resolved) 1, 4, 44, 48 (n 4): p50 r
      1.5 → 4 + 0.5 × 40 = 24 h exactly; p90 r 2.7 → 44 + 0.7 × 4 = 46.8.
    team-x 7d: incidents b#1, b#2 = 2; restore A1 48, b#1 44 → p50 46, p90 44 + 0.9 × 4 = 47.6.
    unowned 7d and 30d: incidents 2; restore 2, 3 → 2.5, 2.9.
    "*" 30d: incidents 7; restore 1, 2, 3, 4, 44, 48 (n 6): p50 r 2.5 → 3 + 0.5 × 1 = 3.5; p90 r 4.5 → 44 +
      0.5 × 4 = 46. "*" 7d: incidents 4; restore 2, 3, 44, 48: p50 r 1.5 → 3 + 0.5 × 41 = 23.5; p90 r 2.7 →
      44 + 0.7 × 4 = 46.8.
    No deployment in either window: deployments 0, frequency 0, CFR, lead and recovery null.
    Bands from 30d on both rows (dora-2023): frequency 0 → low; lead and CFR null; recovery falls back to
    restore p50: team-x 24 h, not "< 1 day" → medium (its 7d 46 h would be medium too, the "*" 7d 23.5 h
    would be high: neither is used); unowned 2.5 h → high; "*" 3.5 h → high.
    """
    a, b, s = "acme/a", "acme/b", "acme/s"
    scopes, pd_scopes, origin = scopes_of(
        [a, b, s],
        [TeamClaim("team-x", (b,), ("PX",))],
        [CatalogComponent(a, 0, "a", "team-x", a, "PA")],
        service_ids=["PU"],
    )
    assert origin == {a: "catalog", b: "config", s: "unowned"}
    assert {(p.service_id, p.team) for p in pd_scopes} == {
        ("PA", "team-x"),
        ("PX", "team-x"),
        ("PU", "unowned"),
    }
    for repo in (a, b, s):
        begin(facts, repo, when=day(5, 1))
    add_incident(facts, "X1", at(10), resolved_at=at(10, 1), service="PX")
    add_incident(facts, "X2", at(22, 20), resolved_at=at(23), service="PX")
    add_incident(facts, "A1", at(22), resolved_at=at(24), service="PA")
    add_incident(facts, f"{b}#1", at(25), resolved_at=at(26, 20), source="github", service=b)
    add_incident(facts, f"{b}#2", at(29), resolved_at=LATER, source="github", service=b)
    add_incident(facts, "U1", at(26), resolved_at=at(26, 3), service="PU")
    add_incident(facts, f"{s}#1", at(27), resolved_at=at(27, 2), source="github", service=s)

    result = run(facts, scopes, pd_scopes, windows=(W7, W30))
    got = rows(result)
    assert failed(result) == {}
    expected = {
        ("team-x", "30d"): (5, 24.0, 46.8),
        ("team-x", "7d"): (2, 46.0, 47.6),
        ("unowned", "30d"): (2, 2.5, 2.9),
        ("unowned", "7d"): (2, 2.5, 2.9),
        ("*", "30d"): (7, 3.5, 46.0),
        ("*", "7d"): (4, 23.5, 46.8),
    }
    recovery_band = {"team-x": "medium", "unowned": "high", "*": "high"}
    for (team, window), (incidents, p50, p90) in expected.items():
        check(
            got[team, window],
            deployments=0,
            deployment_frequency_per_day=0.0,
            change_failure_rate=None,
            lead_time_hours_p50=None,
            failed_deployment_recovery_hours_p50=None,
            incidents=incidents,
            time_to_restore_hours_p50=p50,
            time_to_restore_hours_p90=p90,
            bands=bands("low", None, None, recovery_band[team]),
        )


# -- 8. one service over two repos of different sources: the latest deployment, other sources ignored ------


def test_one_service_over_two_repos_of_different_sources_with_noise_in_other_sources(facts: Facts) -> None:
    """Component ``shop`` (owner team-s, PagerDuty PS) is catalogued in acme/shop-api and acme/shop-web: one
    service over both. acme/shop-web deploys by ``workflow_runs`` (config), acme/shop-api by GitHub
    Deployments. Firsts 06-01 00:00.
    D2 (api) 06-10 00:00 ships lead 2 h. W2 (web run) 02:00 ships lead 1 h.
    Noise, none of which is a deployment (§5.1 "from its configured source"; "only the production
    environment counts"; "never reached success … not counted"): acme/shop-web GitHub Deployments 03:00
    (and 06:00), acme/shop-api staging 03:30, an acme/shop-api failed attempt.
    I1 on PS 04:00 → 08:00: window → the latest deployment of service shop before 04:00 is W2 (acme/shop-web,
      2 h before; not the noise at 03:00 and 03:30, not D2) → W2 failed, recovery 6 h; restore 4 h.
    D3 (api) 05:00 ships lead 0.5 h while I1 is open → rework (the noise at 06:00 is no deployment).
    W3 (web run) 06-11 22:00 ships lead 1 h. Issue acme/shop-api#1 06-12 00:00 → 03:00: a repo of service
      shop; the latest deployment of the service before it is W3 (the other repo, 2 h) → W3 failed,
      recovery 5 h; restore 3 h.

    team-s 30d: deployments 3 + 3 = 6, 6/30 = 0.2; failed W2, W3 → 2/6; recovery 5, 6 → 5.5; rework D3 → 1/6;
      incidents 2; restore 3, 4 → 3.5, 3 + 0.9 × 1 = 3.9; leads 0.5, 1, 1, 2 (n 4): p50 r 1.5 → 1; p90 r 2.7
      → 1 + 0.7 × 1 = 1.7. "*" the same. Bands: 0.2 ≥ 1/7 high; 1 h elite; 33 % low; 5.5 h high.
    """
    api, web = "acme/shop-api", "acme/shop-web"
    components = [
        CatalogComponent(api, 0, "shop", "team-s", api, "PS"),
        CatalogComponent(web, 0, "shop", "team-s", web, "PS"),
    ]
    scopes, pd_scopes, _ = scopes_of([api, web], components=components, sources=[(web, "workflow_runs")])
    assert {(s.repo, s.team, s.source, s.service_name) for s in scopes} == {
        (api, "team-s", "deployments", "shop"),
        (web, "team-s", "workflow_runs", "shop"),
    }
    begin(facts, api)
    begin(facts, web, "workflow_runs")
    deploy(facts, at(10), [2], repo=api)
    w2 = deploy(facts, at(10, 2), [1], repo=web, source="workflow_runs")
    begin(facts, web, "deployments", at(10, 3))
    deploy(facts, at(10, 3.5), [0.25], repo=api, environment="staging")
    facts.deployment(None, sha=sha("attempt"), repo=api)
    add_incident(facts, "I1", at(10, 4), resolved_at=at(10, 8), service="PS")
    d3 = deploy(facts, at(10, 5), [0.5], repo=api)
    deploy(facts, at(10, 6), [0.1], repo=web, source="deployments")
    w3 = deploy(facts, at(11, 22), [1], repo=web, source="workflow_runs")
    add_incident(facts, f"{api}#1", at(12), resolved_at=at(12, 3), source="github", service=api)

    result = run(facts, scopes, pd_scopes, windows=(W30,))
    got = rows(result)
    assert failed_recovered(result) == {w2: (("window",), at(10, 8)), w3: (("window",), at(12, 3))}
    assert d3 not in failed(result)
    for team in ("team-s", "*"):
        check(
            got[team, "30d"],
            deployments=6,
            deployment_frequency_per_day=0.2,
            change_failure_rate=2 / 6,
            failed_deployment_recovery_hours_p50=5.5,
            rework_rate=1 / 6,
            incidents=2,
            time_to_restore_hours_p50=3.5,
            time_to_restore_hours_p90=3.9,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.7,
            bands=bands("high", "elite", "low", "high"),
        )
