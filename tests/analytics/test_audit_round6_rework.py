"""Audit, round 6: rework rate and revert / rollback detection where two or more rules meet (SPEC §5.2,
§6.1 rules 2 and 3, §6.2 ``rework_rate``; docs/metrics.md "Changes", "Failed deployments" and "Rework").

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise; window 30d =
(05-31 00:00, 06-30 00:00]; attribution window 24 h; benchmarks dora-2023. Team ``order-team`` owns
acme/orders (service ``orders``) and PagerDuty service P1; ``payments`` owns acme/pay (service ``pay``)
and P2 (tests/analytics/scenario.py). Everything goes through ``compute_metrics`` (what ``doraspace
metrics`` runs), on an in-memory DuckDB store (the module's time budget). Every expected number is worked
out by hand in the test's docstring.

SPEC sentences the scenarios lean on:

* §5.2 "a commit is a change only of the first deployment that ships it … The first deployment in the
  collected history has unknown changes … If D.sha is an ancestor of P.sha (compare status ``behind``), D
  is a rollback: it has no changes. A redeploy of P.sha itself (``identical``) is a deployment with no
  changes and no rollback."
* §6.1 "2. rollback — a later deployment of the same repo and environment is a rollback whose previous
  deployment is F; 3. revert — a later deployment contains a commit whose message says ``This reverts
  commit <sha>`` for a change of F; 4. window — … F is the latest deployment of that service before the
  incident started."
* §6.2 ``rework_rate`` "rework deployments ÷ deployments, both in the window. A deployment is rework if it
  is a rollback, contains a revert commit, contains a change from a PR labelled with a ``rework.labels``
  label, or was deployed while an incident of its service was open"; recovery "from F.deployed_at to the
  earliest of the resolution of an incident that failed it (explicit/window) and the deployed_at of its
  rollback or revert deployment".
* docs/metrics.md (choices SPEC leaves open): a labelled PR must be **merged** ("ships a change of a
  merged PR labelled with one of rework.labels"), labels compare case-insensitively; deployments of a
  repository are ordered by deployed_at, then by id; a deployment with compare ``first`` or ``unknown``
  keeps its own commit when a later compare lists it again ("never changes of the later one").

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); value v⌊r⌋ + (r − ⌊r⌋) ×
(v⌊r⌋+1 − v⌊r⌋).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from analytics.metrics import MetricsResult
from tests.analytics.facts import REPO, Facts, add_incident, add_label, at, bands, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    NO_BREAKDOWN,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    REWORK_LABELS,
    TEAM,
    W7,
    W30,
    check,
    failed_recovered,
    first,
    rows,
    rows_30d,
    run,
    ship,
)


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store: the module must stay within its time budget (the SQL is the same on
    PostgreSQL, which the other analytics audits exercise)."""
    return Facts.in_memory()


def reverts(name: str, subject: str = "Add cart") -> str:
    """The message ``git revert`` writes for the commit ``sha(name)``."""
    return f'Revert "{subject}"\n\nThis reverts commit {sha(name)}.'


def failures_by_repo(result: MetricsResult) -> dict[tuple[str, int], tuple[tuple[str, ...], datetime | None]]:
    """Failed deployments keyed by (repo, id): the scenario below gives two repos the same ids."""
    return {(d.repo, d.deployment_id): (d.rules, d.recovered_at) for d in result.failed_deployments()}


# -- 1. a revert shipped with the change it reverts, then reverted itself ---------------------------------


def test_revert_of_a_revert_shipped_with_its_target_fails_that_deployment_and_both_are_rework(
    facts: Facts,
) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (authored 06-09 21:00: lead 3 h) and r2 (06-09 23:00: lead
    1 h) ``Revert "Add cart" / This reverts commit <c2>``. Rule 3 needs a *later* deployment: c2 and its
    revert ship together, so D2 is not failed by r2; D2 contains a revert commit → rework. D3 06-11 00:00
    ships rr3 (06-10 22:00: lead 2 h) ``Revert "Revert "Add cart"" / This reverts commit <r2>``: r2 is a
    change of D2 (§5.2, its first shipment), so D2 is failed (revert) after all, recovered at D3: 24 h;
    D3 contains a revert commit → rework; it fails nothing else (rr3 names r2 only). D4 06-12 00:00 ships
    c4 (06-11 20:00: lead 4 h): neither.

    As of 06-30, 30d: deployments 4; CFR 1/4; recovery 24 (one value); rework D2, D3 → 2/4; leads 3, 1,
    2, 4 → sorted 1, 2, 3, 4: p50 r 1.5 → 2.5; p90 r 2.7 → 3 + 0.7 × 1 = 3.7. Bands: 4/30 ≈ 0.133 a day
    < 1/7, ≥ 1/30 → medium; 2.5 h elite; 25 % low; 24 h is not < 1 day → medium.
    As of 06-10 12:00 (D3 not deployed yet): F0, D2 → 2; CFR 0; recovery null; rework D2 → 1/2; leads 3,
    1 → p50 2.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 21)), ("r2", at(9, 23), reverts("c2"))])
    d3 = ship(
        facts,
        at(11),
        [("rr3", at(10, 22), f'Revert "Revert "Add cart""\n\nThis reverts commit {sha("r2")}.')],
    )
    ship(facts, at(12), [("c4", at(11, 20))])

    result = run(facts)
    assert failed_recovered(result) == {d2: (("revert",), at(11))}
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=24.0,
            rework_rate=0.5,
            lead_time_hours_p50=2.5,
            lead_time_hours_p90=3.7,
            bands=bands("medium", "elite", "low", "medium"),
        )
    assert d3 not in failed_recovered(result)

    early = run(facts, as_of=at(10, 12))
    assert failed_recovered(early) == {}
    check(
        rows_30d(early)[TEAM],
        deployments=2,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.5,
        lead_time_hours_p50=2.0,
    )


# -- 2. "Revert" in words only, and a true revert of a commit production never ran -------------------------


@pytest.mark.parametrize(("labels", "rework"), [(REWORK_LABELS, 0.5), (("hotfix",), 0.25)])
def test_revert_titled_pull_request_without_the_marker_and_a_revert_of_a_staging_only_commit(
    facts: Facts, labels: Sequence[str], rework: float
) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h). Staging (not production, so no
    deployment of anyone: §5.1 "only the production environment counts"): its first deployment 06-01 and
    one at 06-10 06:00 shipping x (06-10 05:00).

    PR #12 (label ``REVERT``), commit 06-10 20:00, opened 21:00, squash-merged 23:00 as s3 whose message is
    ``Revert "Add cart" (#12) / Reverts commit <c2> by hand.``: no ``This reverts commit <sha>``, so s3 is
    no revert commit and D2 is not failed (rule 3's words). D3 06-11 00:00 ships s3: lead from the PR's
    first commit 4 h; rework only by its label, ``REVERT`` being ``revert`` (docs: case-insensitive) when
    ``revert`` is configured.
    D4 06-12 00:00 ships v4 (06-11 22:00: lead 2 h) ``This reverts commit <x>``: a revert commit → rework,
    whatever it names; x is no change of any production deployment → fails nothing.

    30d: deployments F0, D2, D3, D4 → 4; CFR 0; recovery null; leads 2, 4, 2 → sorted 2, 2, 4: p50 2; p90
    r 1.8 → 2 + 0.8 × 2 = 3.6. Rework with the default labels D3, D4 → 2/4; with ``rework.labels:
    [hotfix]`` D4 only → 1/4. Incidents 0.
    """
    first(facts)
    facts.deployment(at(1), compare="first", sha=sha("staging-first"), environment="staging")
    x = facts.commit(sha("x"), at(10, 5))
    facts.deployment(at(10, 6), ships=[x], environment="staging")
    ship(facts, at(10), [("c2", at(9, 22))])
    s3 = facts.commit(
        sha("s3"), at(10, 23), message=f'Revert "Add cart" (#12)\n\nReverts commit {sha("c2")} by hand.'
    )
    facts.pull_request(
        12, created_at=at(10, 21), merged_at=at(10, 23), merge_commit_sha=s3, commit_dates=[at(10, 20)]
    )
    add_label(facts, 12, "REVERT")
    facts.deployment(at(11), ships=[s3])
    ship(facts, at(12), [("v4", at(11, 22), reverts("x", "Try x"))])

    result = run(facts, rework_labels=labels)
    assert failed_recovered(result) == {}
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=rework,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=3.6,
            incidents=0,
        )


# -- 3. the first deployment reworked; a rollback onto it; the newer commit redeployed twice ---------------


def test_first_deployment_reworked_then_rolled_back_to_and_the_newer_commit_redeployed(facts: Facts) -> None:
    """I0 (P1, no sha) 05-30 00:00 → 06-01 02:00. F0, the first deployment of the history, 06-01 00:00:
    its changes are unknown, but I0 of its service is open → rework (the only rule that needs no change
    and no earlier deployment); I0 started before it → the window rule fails nothing.
    D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h). R3 06-10 02:00 redeploys F0's sha: compare ``behind``
    → a rollback whose previous deployment is D2: D2 failed (rollback), recovered 2 h; R3 rework. F0, the
    rollback's *target*, is not failed (rule 2 names the previous deployment).
    D4 06-10 04:00 redeploys c2's sha: compare ``ahead`` of R3 listing c2, first shipped by D2 → no
    changes, no rollback, no revert, no incident open → not rework; R3 is not failed (D4 is no rollback).
    I1 (P1, no sha) 06-10 05:00 → 08:00: the latest deployment before it is D4 (1 h) → D4 failed
    (window), recovered at 08:00: 4 h. D5 06-10 06:00 redeploys c2 again (``identical``): no rollback, no
    change, but I1 is open → rework; not failed (I1 started before it).

    30d (05-31, 06-30]: deployments F0, D2, R3, D4, D5 → 5; CFR 2/5; recovery 2, 4 → p50 3; rework F0,
    R3, D5 → 3/5; incidents started in it: I1 → 1 (I0 started 05-30, before the window); restore over
    incidents resolved in it: I0 50 h (05-30 00:00 → 06-01 02:00), I1 3 h → p50 26.5, p90 3 + 0.9 × 47 =
    45.3; lead 2 → p50 = p90 = 2. Bands: 5/30 ≈ 0.167 ≥ 1/7 → high; elite; 40 % low; recovery 3 h → high.
    """
    add_incident(facts, "I0", at(1, -48), resolved_at=at(1, 2))
    f0 = first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    r3 = facts.deployment(at(10, 2), sha=FIRST_SHA, compare="behind")
    d4 = facts.deployment(at(10, 4), sha=sha("c2"), ships=[sha("c2")], compare="ahead")
    add_incident(facts, "I1", at(10, 5), resolved_at=at(10, 8))
    d5 = facts.deployment(at(10, 6), sha=sha("c2"), compare="identical")

    result = run(facts)
    assert failed_recovered(result) == {d2: (("rollback",), at(10, 2)), d4: (("window",), at(10, 8))}
    assert {f0, r3, d5}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.4,
            failed_deployment_recovery_hours_p50=3.0,
            rework_rate=0.6,
            incidents=1,
            time_to_restore_hours_p50=26.5,
            time_to_restore_hours_p90=45.3,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=2.0,
            bands=bands("high", "elite", "low", "high"),
        )


# -- 4. one deployment with every rework reason, failed too, beside another team's coinciding deployments -


def test_one_deployment_with_four_rework_reasons_and_another_teams_deployments_at_the_same_instants(
    facts: Facts,
) -> None:
    """Rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``. Both repos use deployment ids 1 … 4
    and deploy at the same instants; both have a PR #5.

    acme/orders: O1 first 06-01. O2 06-09 00:00 ships c2 (06-08 23:00: lead 1 h). I1 (P1, no sha) 06-10
    00:00 → 06:00: exactly 24 h after O2, the latest orders deployment → O2 failed (window; the window
    (F, F + 24 h] includes its end). PR #5 (labels ``hotfix`` and ``revert``): commit 06-10 00:30, opened
    00:45, squash-merged 01:30 as h3, whose message (GitHub's squash of two commits) holds ``This reverts
    commit <c2>``. O3 06-10 02:00 ships h3 (lead 02:00 − 00:30 = 1.5 h): O2 failed (revert) too, O2
    recovered at the earliest of O3 (26 h) and I1's end (30 h): 26 h. O3 is rework for four reasons (a
    revert commit, a change of a PR labelled twice, I1 open), counted once. O4 06-10 03:00 redeploys c2
    (``behind`` O3): O3 failed (rollback), recovered 1 h; O4 rework (rollback, I1 open: once).
    orders 30d: 4 deployments; CFR 2/4; recovery 26, 1 → p50 13.5; rework O3, O4 → 2/4; incidents 1;
    restore 6; leads 1, 1.5 → p50 1.25, p90 1 + 0.9 × 0.5 = 1.45. Bands: 4/30 medium; elite; 50 % low;
    13.5 h high.

    acme/pay: G1 first 06-01. G2 06-09 00:00 ships p2 (06-08 22:00: lead 2 h). Issue acme/pay#4 (GitHub
    incident) 06-10 01:00 → 01:30: the latest pay deployment before it is G2, 25 h > 24 h → fails
    nothing; restore 0.5 h. PR #5 of acme/pay (no label): commit 06-10 01:00, squash-merged 01:40 as p3.
    G3 06-10 02:00 ships p3 (lead 1 h): at O3's instant with O3's id, while I1 (orders' service, not
    pay's) is open and after the issue's end → not rework (orders' PR #5 labels are not pay's). PR #6 of
    acme/pay (label ``HotFix``): commit 06-10 02:30, squash-merged 02:50 as p4. G4 06-10 03:00 ships p4
    (lead 0.5 h): rework (label).
    payments 30d: 4; CFR 0; recovery null; rework 1/4; incidents 1; restore 0.5; leads 2, 1, 0.5 → p50 1,
    p90 r 1.8 → 1 + 0.8 × 1 = 1.8. Bands: medium; elite; 0 % elite; recovery falls back to restore 0.5 h
    → elite.

    "*": 8 deployments; CFR 2/8; recovery 26, 1 → 13.5; rework O3, O4, G4 → 3/8; incidents 2; restore 6,
    0.5 → p50 3.25, p90 0.5 + 0.9 × 5.5 = 5.45; leads 0.5, 1, 1, 1.5, 2 → p50 1, p90 r 3.6 → 1.5 + 0.6 ×
    0.5 = 1.8. Bands: 8/30 ≈ 0.267 ≥ 1/7 high; elite; 25 % low; 13.5 h high.
    """

    def put(
        when: datetime,
        repo: str,
        ident: int,
        commits: Sequence[str] = (),
        head: str | None = None,
        compare: str = "ahead",
    ) -> None:
        facts.deployment(when, ships=commits, sha=head, compare=compare, repo=repo, deployment_id=ident)

    put(at(1), REPO, 1, head=FIRST_SHA, compare="first")
    put(at(1), PAY_REPO, 1, head=sha("pay-first"), compare="first")
    c2 = facts.commit(sha("c2"), at(8, 23))
    put(at(9), REPO, 2, [c2])
    p2 = facts.commit(sha("p2"), at(8, 22), repo=PAY_REPO)
    put(at(9), PAY_REPO, 2, [p2])
    add_incident(facts, "I1", at(10), resolved_at=at(10, 6))
    add_incident(facts, "acme/pay#4", at(10, 1), resolved_at=at(10, 1.5), source="github", service=PAY_REPO)

    squash = f'Fix checkout (#5)\n\n* Revert "Add cache"\n\nThis reverts commit {c2}.\n\n* Retry payments'
    h3 = facts.commit(sha("h3"), at(10, 1.5), message=squash)
    facts.pull_request(
        5, created_at=at(10, 0.75), merged_at=at(10, 1.5), merge_commit_sha=h3, commit_dates=[at(10, 0.5)]
    )
    add_label(facts, 5, "hotfix")
    add_label(facts, 5, "revert")
    p3 = facts.commit(sha("p3"), at(10, 1 + 40 / 60), repo=PAY_REPO)
    facts.pull_request(
        5,
        created_at=at(10, 1.25),
        merged_at=at(10, 1 + 40 / 60),
        merge_commit_sha=p3,
        commit_dates=[at(10, 1)],
        repo=PAY_REPO,
    )
    put(at(10, 2), REPO, 3, [h3])
    put(at(10, 2), PAY_REPO, 3, [p3])

    p4 = facts.commit(sha("p4"), at(10, 2 + 50 / 60), repo=PAY_REPO)
    facts.pull_request(
        6,
        created_at=at(10, 2.6),
        merged_at=at(10, 2 + 50 / 60),
        merge_commit_sha=p4,
        commit_dates=[at(10, 2.5)],
        repo=PAY_REPO,
    )
    add_label(facts, 6, "HotFix", repo=PAY_REPO)
    put(at(10, 3), REPO, 4, head=c2, compare="behind")
    put(at(10, 3), PAY_REPO, 4, [p4])

    result = run(facts, (ORDERS, PAY), (P1, P2), rework_labels=REWORK_LABELS)
    assert failures_by_repo(result) == {
        (REPO, 2): (("revert", "window"), at(10, 2)),
        (REPO, 3): (("rollback",), at(10, 3)),
    }
    got = rows_30d(result)
    check(
        got[TEAM],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=13.5,
        rework_rate=0.5,
        incidents=1,
        time_to_restore_hours_p50=6.0,
        lead_time_hours_p50=1.25,
        lead_time_hours_p90=1.45,
        bands=bands("medium", "elite", "low", "high"),
    )
    check(
        got[PAY_TEAM],
        deployments=4,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.25,
        incidents=1,
        time_to_restore_hours_p50=0.5,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.8,
        bands=bands("medium", "elite", "elite", "elite"),
    )
    check(
        got["*"],
        deployments=8,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=13.5,
        rework_rate=3 / 8,
        incidents=2,
        time_to_restore_hours_p50=3.25,
        time_to_restore_hours_p90=5.45,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.8,
        bands=bands("high", "elite", "low", "high"),
    )


# -- 5. labelled hotfixes whose change is not known: an unmerged branch, an uncompared deployment -----------


def test_labelled_hotfix_from_an_unmerged_branch_or_an_uncompared_deployment_is_no_rework(
    facts: Facts,
) -> None:
    """Rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``. F0 first 06-01.

    PR #7 (label ``hotfix``), commit pr7-c0 authored 06-09 22:00, opened 23:00, never merged. D2 06-10
    00:00 deploys its branch, shipping pr7-c0 (a change: lead 2 h, its own author date, no merged PR's
    merge commit). docs/metrics.md: rework needs "a change of a *merged* PR labelled …" → not rework.
    PR #8 (label ``hotfix``): commit 06-10 20:00, opened 21:00, squash-merged 22:00 as s8. D3 06-11 00:00
    deploys s8 with compare ``unknown`` (GitHub could not compare): its changes are unknown → no labelled
    change → not rework, no lead time. R4 06-11 02:00 redeploys pr7-c0 (``behind`` D3): a rollback → D3
    failed (rollback), recovered 2 h; R4 rework. D5 06-11 04:00 ships forward again, its compare listing s8
    and c5 (06-11 03:00): s8 is D3's own commit and stays D3's (docs: "never changes of the later one"),
    so D5's one change is c5 (lead 1 h) and D5 ships no change of PR #8 → not rework.

    30d: deployments F0, D2, D3, R4, D5 → 5; CFR 1/5; recovery 2; rework R4 → 1/5; leads 2, 1 → p50 1.5,
    p90 1 + 0.9 × 1 = 1.9; incidents 0. Breakdown: PR #7 is not merged; PR #8's merge commit is the own
    sha of a deployment GitHub could not compare → deployed by nobody (docs) → every stage null.
    """
    first(facts)
    b7 = facts.commit("pr7-c0", at(9, 22))
    facts.pull_request(
        7, created_at=at(9, 23), merged_at=None, merge_commit_sha=None, commit_dates=[at(9, 22)]
    )
    add_label(facts, 7, "hotfix")
    facts.deployment(at(10), ships=[b7])
    s8 = facts.commit(sha("s8"), at(10, 22))
    facts.pull_request(
        8, created_at=at(10, 21), merged_at=at(10, 22), merge_commit_sha=s8, commit_dates=[at(10, 20)]
    )
    add_label(facts, 8, "hotfix")
    d3 = facts.deployment(at(11), sha=s8, compare="unknown")
    r4 = facts.deployment(at(11, 2), sha=b7, compare="behind")
    c5 = facts.commit(sha("c5"), at(11, 3))
    facts.deployment(at(11, 4), ships=[s8, c5])

    result = run(facts, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {d3: (("rollback",), at(11, 2))}
    assert r4 not in failed_recovered(result)
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.2,
            failed_deployment_recovery_hours_p50=2.0,
            rework_rate=0.2,
            lead_time_hours_p50=1.5,
            lead_time_hours_p90=1.9,
            incidents=0,
            lead_time_breakdown_hours_p50=NO_BREAKDOWN,
        )


# -- 6. a revert deployed at the same instant as the change it reverts ------------------------------------


def test_revert_deployed_at_the_same_instant_as_its_target_fails_it_with_zero_recovery(facts: Facts) -> None:
    """F0 first 06-01. D2 (id 20) 06-10 00:00 ships c2 (06-09 22:00: lead 2 h). D3 (id 30), the same
    instant, compared ahead of D2, ships r3 (06-09 23:00: lead 1 h) ``This reverts commit <c2>``.
    docs/metrics.md orders a repository's deployments "by deployed_at (then by id)": D3 is the later
    deployment, so D2 is failed (revert), recovered at D3's deployed_at, 0 h after it (recovery runs "to
    the earliest of … among those not before F itself": the same instant is not before); D3 contains a
    revert commit → rework.
    Windows 7d and 30d (bands from 30d). D4 06-24 00:00 ships c4 (06-23 21:00: lead 3 h), a rollback of
    nothing and no rework.

    7d (06-23, 06-30]: D4 → 1; CFR 0; recovery null; rework 0; lead 3. 30d: F0, D2, D3, D4 → 4; CFR 1/4;
    recovery 0 → p50 0 (a number, not null); rework 1/4; leads 2, 1, 3 → p50 2, p90 2 + 0.8 × 1 = 2.8.
    Bands (30d, on both rows): 4/30 medium; elite; 25 % low; 0 h < 1 hour → elite.
    """
    first(facts)
    c2 = facts.commit(sha("c2"), at(9, 22))
    d2 = facts.deployment(at(10), ships=[c2], deployment_id=20)
    r3 = facts.commit(sha("r3"), at(9, 23), message=reverts("c2"))
    d3 = facts.deployment(at(10), ships=[r3], deployment_id=30)
    ship(facts, at(24), [("c4", at(23, 21))])

    result = run(facts, windows=(W7, W30))
    assert failed_recovered(result) == {d2: (("revert",), at(10))}
    assert d3 not in failed_recovered(result)
    expected_bands = bands("medium", "elite", "low", "elite")
    got = rows(result)
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=1,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=0.0,
            lead_time_hours_p50=3.0,
            bands=expected_bands,
        )
        check(
            got[team, "30d"],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=0.0,
            rework_rate=0.25,
            lead_time_hours_p50=2.0,
            lead_time_hours_p90=2.8,
            bands=expected_bands,
        )
