"""Audit, round 10: the deployment rework rate where it meets other rules (SPEC §5.2, §6.1, §6.2
``rework_rate``; docs/metrics.md "Changes", "Lead time breakdown", "Failed deployments" and "Rework").

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise; window 30d =
(05-31 00:00, 06-30 00:00]; attribution window 24 h; benchmarks dora-2023. Team ``order-team`` owns
acme/orders (service ``orders``) and PagerDuty service P1 (tests/analytics/scenario.py). Everything goes
through ``compute_metrics`` (what ``doraspace metrics`` runs), on an in-memory DuckDB store (the module's
time budget; backend parity is audited elsewhere). Every expected number is worked out by hand in the
test's docstring.

What the earlier rounds already cover is not repeated here (revert of a revert, a label in another letter
case on its own, one deployment with four reasons, a hotfix merged back with a merge commit end to end, a
PagerDuty service over two services, …). These scenarios put together: a hotfix deployed from a branch
that had *diverged* from production and then squash-merged back; a rollback that is the first deployment
of the 7-day window with labelled deployments exactly on both edges of the windows, and the same facts one
second earlier; a deployment that is rework by a label and failed by a revert of its *other* PR; a revert
deployed from a diverged branch while an incident is open, then merged back; ``this reverts commit`` in
other letter cases next to a ``Revert`` label.

SPEC sentences the scenarios lean on:

* §6 "A window ``Nd`` ending at ``as_of`` is the half-open interval ``(as_of − N days, as_of]``"; §2
  ``--as-of``: "facts after it are ignored, as if they had not happened yet".
* §5.2 "D's changes are the non-merge commits … in ``compare(P.sha...D.sha)`` that no earlier deployment
  shipped … If D.sha is an ancestor of P.sha (compare status ``behind``), D is a rollback: it has no
  changes"; "A change's start is the earliest author date among the commits of the merged PR whose
  ``merge_commit_sha`` is the change's sha …, else the commit's own author date."
* §6.1 "2. rollback — a later deployment … is a rollback whose previous deployment is F; 3. revert — a
  later deployment contains a commit whose message says ``This reverts commit <sha>`` for a change of F;
  4. window — an incident with no explicit link started in ``(F.deployed_at, F.deployed_at +
  attribution_window]`` … and F is the latest deployment of that service before the incident started."
* §6.2 ``rework_rate`` "rework deployments ÷ deployments, both in the window. A deployment is rework if it
  is a rollback, contains a revert commit, contains a change from a PR labelled with a ``rework.labels``
  label, or was deployed while an incident of its service was open"; recovery "from F.deployed_at to the
  earliest of the resolution of an incident that failed it (explicit/window) and the deployed_at of its
  rollback or revert deployment"; the breakdown's deploy stage "merged → deployed_at of the deployment
  that shipped the merge commit".

Readings of docs/metrics.md used: a labelled PR must be merged, and counts "from its merge"; labels
compare whatever their letter case (``HotFix`` is ``hotfix``) and only as whole names; "A change belongs to
a PR when it is one of the PR's commits or the commit its squash or rebase merge produced. A merge commit
is no change"; "A revert commit is one whose message contains ``This reverts commit`` as ``git revert``
writes it, letter case included"; compare ``ahead`` or ``diverged``: changes; a PR is deployed by "the
first deployment with a known compare … whose compare contains the PR's merge commit (merge commits
count here)"; a failed deployment "counts once however many rules or incidents found it".

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); value v⌊r⌋ + (r − ⌊r⌋) ×
(v⌊r⌋+1 − v⌊r⌋). Bands (dora-2023) come from the longest window.
"""

from __future__ import annotations

import pytest

from tests.analytics.facts import AS_OF, Facts, Review, add_incident, add_label, at, bands, sha
from tests.analytics.scenario import (
    NO_BREAKDOWN,
    REWORK_LABELS,
    SECOND,
    TEAM,
    W7,
    W30,
    approx,
    check,
    day,
    failed_recovered,
    first,
    rollback,
    rows,
    rows_30d,
    run,
    ship,
)


@pytest.fixture
def facts() -> Facts:
    """An in-memory DuckDB store: the module must stay within its time budget."""
    return Facts.in_memory()


def breakdown(
    coding: float | None, pickup: float | None, review: float | None, deploy: float | None
) -> dict[str, object]:
    """A ``lead_time_breakdown_hours_p50`` object, floats compared with a tight tolerance."""
    stages = {"coding": coding, "pickup": pickup, "review": review, "deploy": deploy}
    return {name: None if value is None else approx(value) for name, value in stages.items()}


# -- 1. a hotfix deployed from a branch that diverged from production, then squash-merged back -------------


def test_diverged_hotfix_branch_deployment_and_its_squash_merged_back_are_both_rework(facts: Facts) -> None:
    """Rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``.

    F0 first 06-01 (its sha f0). D2 06-05 00:00 ships c2 (authored 06-04 22:00: lead 2 h) on main.
    PR #7 (labels ``Hotfix`` and ``customer-facing``): commit pr7-c0 authored 06-10 00:00 on a branch cut
    from f0, opened 01:00, reviewed by bob 03:00, squash-merged 06:00 as s7 (a child of c2). H3 06-10 02:00
    deploys the branch: compare(c2...pr7-c0) is ``diverged`` and lists pr7-c0 only → change pr7-c0 (no
    merged PR's merge commit: its own date, lead 2 h). H3 left c2 out of production, but ``diverged`` is
    no rollback (§5.2 needs ``behind``): D2 is not failed. pr7-c0 is one of PR #7's commits → H3 is rework
    once PR #7 is merged (``Hotfix`` is ``hotfix``; the second label changes nothing).
    D4 06-10 08:00 deploys s7: compare(pr7-c0...s7) is ``diverged`` and lists c2 and s7; c2 was first
    shipped by D2 (not D4's change); s7 is a change whose start is PR #7's earliest commit (06-10 00:00):
    lead 8 h. s7 is the commit PR #7's squash produced → D4 is rework too: two deployments, each containing
    a change from the labelled PR.
    PR #9 (label ``hotfix-candidate``, not a configured label as a whole name): commit 06-10 21:00, opened
    21:30, squash-merged 23:00 as s9, no review. D5 06-11 00:00 ships s9: lead 3 h; not rework.

    As of 06-30, 30d: deployments F0, D2, H3, D4, D5 → 5; CFR 0; recovery null; rework H3, D4 → 2/5;
    leads 2, 2, 8, 3 → sorted 2, 2, 3, 8: p50 2.5; p90 r 2.7 → 3 + 0.7 × 5 = 6.5. Breakdown: PR #7 is
    deployed by D4, the first to list its merge commit s7: coding 1, pickup 2, review 3, deploy 06:00 →
    08:00 = 2; PR #9 by D5: coding 0.5, deploy 1 → coding (0.5 + 1) / 2 = 0.75, pickup 2, review 3, deploy
    (1 + 2) / 2 = 1.5. Bands: 5/30 ≥ 1/7 high; 2.5 h elite; 0 % elite; no failure, no incident → null.
    As of 06-10 04:00 (PR #7 not merged yet, D4 not deployed): F0, D2, H3 → 3; rework 0/3; leads 2, 2 →
    p50 2; no merged PR deployed → every stage null.
    As of 06-10 07:00 (merged, D4 not deployed yet): rework H3 → 1/3; PR #7 is merged but deployed by
    nobody yet → breakdown still null.
    As of 06-17 04:00, window 7d (06-10 04:00, 06-17 04:00]: H3 (02:00) is before it, though it became
    rework at 06:00, inside it: D4, D5 → 2; rework D4 → 1/2; leads 8, 3 → p50 5.5.
    """
    first(facts)
    ship(facts, at(5), [("c2", at(4, 22))])
    branch = facts.commit("pr7-c0", at(10))
    facts.pull_request(
        7,
        created_at=at(10, 1),
        merged_at=at(10, 6),
        merge_commit_sha=sha("s7"),
        commit_dates=[at(10)],
        reviews=[Review("bob", at(10, 3))],
    )
    add_label(facts, 7, "Hotfix")
    add_label(facts, 7, "customer-facing")
    facts.deployment(at(10, 2), ships=[branch], compare="diverged")
    s7 = facts.commit(sha("s7"), at(10, 6))
    facts.deployment(at(10, 8), ships=[sha("c2"), s7], compare="diverged")
    s9 = facts.commit(sha("s9"), at(10, 23))
    facts.pull_request(
        9, created_at=at(10, 21.5), merged_at=at(10, 23), merge_commit_sha=s9, commit_dates=[at(10, 21)]
    )
    add_label(facts, 9, "hotfix-candidate")
    facts.deployment(at(11), ships=[s9])

    result = run(facts, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {}
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=0.4,
            lead_time_hours_p50=2.5,
            lead_time_hours_p90=6.5,
            lead_time_breakdown_hours_p50=breakdown(0.75, 2.0, 3.0, 1.5),
            bands=bands("high", "elite", "elite", None),
        )

    before_merge = rows_30d(run(facts, rework_labels=REWORK_LABELS, as_of=at(10, 4)))[TEAM]
    check(
        before_merge,
        deployments=3,
        rework_rate=0.0,
        lead_time_hours_p50=2.0,
        lead_time_breakdown_hours_p50=NO_BREAKDOWN,
    )
    merged = rows_30d(run(facts, rework_labels=REWORK_LABELS, as_of=at(10, 7)))[TEAM]
    check(merged, deployments=3, rework_rate=1 / 3, lead_time_breakdown_hours_p50=NO_BREAKDOWN)

    week = rows(run(facts, rework_labels=REWORK_LABELS, windows=(W7,), as_of=at(17, 4)))[TEAM, "7d"]
    check(week, deployments=2, rework_rate=0.5, lead_time_hours_p50=5.5)


# -- 2. a rollback first in the week; labelled deployments exactly on the windows' edges --------------------


def test_rollback_first_in_the_week_and_labelled_deployments_exactly_on_the_window_edges(
    facts: Facts,
) -> None:
    """Rework labels ``hotfix``, ``rollback``, ``revert``, ``incident``; windows 7d and 30d.

    F0 first 05-20 00:00 (before both windows). PR #3 (label ``hotfix``): commit 05-30 22:00, opened 22:30,
    squash-merged 23:00 as s3. H1 05-31 00:00 ships s3: lead 2 h; rework (label). D2 06-23 00:00 ships c2
    (06-22 21:00: lead 3 h). I1 (P1, no sha) 06-23 00:30 → 02:00: the latest deployment before it is D2,
    0.5 h → D2 failed (window). R3 06-23 01:00 redeploys s3 (``behind`` D2): a rollback → D2 failed
    (rollback) too, once; R3 is rework (a rollback, and I1 is open: once). D2 recovered at the earliest of
    R3 (01:00) and I1's end (02:00): 1 h. PR #5 (label ``rollback``): commit 06-29 22:00, opened 22:30,
    squash-merged 23:00 as s5. D4 06-30 00:00 ships c2 (D2's already) and s5: change s5, lead 2 h; rework.

    As of 06-30 00:00. 7d = (06-23 00:00, 06-30 00:00]: D2 sits exactly on the exclusive start → out; R3
    is the window's first deployment, D4 is exactly at as_of → in. Deployments 2; CFR 0/2 (D2, the
    failed one, is outside); recovery null; rework R3, D4 → 2/2 = 1; incidents I1 → 1; restore 1.5 h;
    lead s5 2 h. 30d = (05-31 00:00, 06-30 00:00]: H1 exactly on the start → out; D2, R3, D4 → 3; CFR 1/3;
    recovery 1 h; rework R3, D4 → 2/3; incidents 1; restore 1.5; leads 3, 2 → p50 2.5, p90 2 + 0.9 × 1 =
    2.9. Bands (30d): 3/30 = 0.1 ≥ 1/30 medium; 2.5 h elite; 33 % low; 1 h is not "< 1 hour" → high.

    As of 06-29 23:59:59 (D4 not deployed yet; PR #5 merged). 7d = (06-22 23:59:59, 06-29 23:59:59]: D2
    is in now: D2, R3 → 2; CFR 1/2; recovery 1; rework R3 → 1/2; incidents 1; restore 1.5; lead 3. 30d =
    (05-30 23:59:59, …]: H1 is in: H1, D2, R3 → 3; CFR 1/3; recovery 1; rework H1, R3 → 2/3; leads 2, 3 →
    p50 2.5, p90 2.9. Bands: the same four.
    """
    first(facts, day(5, 20))
    s3 = facts.commit(sha("s3"), day(5, 30, 23))
    facts.pull_request(
        3,
        created_at=day(5, 30, 22.5),
        merged_at=day(5, 30, 23),
        merge_commit_sha=s3,
        commit_dates=[day(5, 30, 22)],
    )
    add_label(facts, 3, "hotfix")
    h1 = facts.deployment(day(5, 31), ships=[s3])
    d2 = ship(facts, at(23), [("c2", at(22, 21))])
    add_incident(facts, "I1", at(23, 0.5), resolved_at=at(23, 2))
    rollback(facts, at(23, 1), s3)
    s5 = facts.commit(sha("s5"), at(29, 23))
    facts.pull_request(
        5, created_at=at(29, 22.5), merged_at=at(29, 23), merge_commit_sha=s5, commit_dates=[at(29, 22)]
    )
    add_label(facts, 5, "rollback")
    facts.deployment(AS_OF, ships=[sha("c2"), s5])

    expected_bands = bands("medium", "elite", "low", "high")
    result = run(facts, windows=(W7, W30), rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {d2: (("rollback", "window"), at(23, 1))}
    got = rows(result)
    for team in ("*", TEAM):
        check(
            got[team, "7d"],
            deployments=2,
            change_failure_rate=0.0,
            failed_deployment_recovery_hours_p50=None,
            rework_rate=1.0,
            incidents=1,
            time_to_restore_hours_p50=1.5,
            lead_time_hours_p50=2.0,
            bands=expected_bands,
        )
        check(
            got[team, "30d"],
            deployments=3,
            change_failure_rate=1 / 3,
            failed_deployment_recovery_hours_p50=1.0,
            rework_rate=2 / 3,
            incidents=1,
            time_to_restore_hours_p50=1.5,
            lead_time_hours_p50=2.5,
            lead_time_hours_p90=2.9,
            bands=expected_bands,
        )

    earlier = run(facts, windows=(W7, W30), rework_labels=REWORK_LABELS, as_of=AS_OF - SECOND)
    assert failed_recovered(earlier) == {d2: (("rollback", "window"), at(23, 1))}
    assert h1 not in failed_recovered(earlier)
    got = rows(earlier)
    check(
        got[TEAM, "7d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=1.0,
        rework_rate=0.5,
        incidents=1,
        time_to_restore_hours_p50=1.5,
        lead_time_hours_p50=3.0,
        bands=expected_bands,
    )
    check(
        got[TEAM, "30d"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=1.0,
        rework_rate=2 / 3,
        lead_time_hours_p50=2.5,
        lead_time_hours_p90=2.9,
        bands=expected_bands,
    )


# -- 3. one deployment: rework by its hotfix PR, failed by a labelled revert of its other PR ----------------


def test_hotfix_shipped_with_a_normal_pr_that_a_labelled_revert_pr_merged_with_a_merge_commit_undoes(
    facts: Facts,
) -> None:
    """F0 first 06-01. PR #5 (label ``hotfix``): commit 06-09 20:00, opened 21:00, squash-merged 22:00 as
    s5. PR #6 (no label): commit 06-09 18:00, opened 19:00, squash-merged 23:00 as s6. D2 06-10 00:00 ships
    s5 (lead from 20:00: 4 h) and s6 (from 18:00: 6 h): rework by PR #5's label, whatever else it ships.
    PR #8 (label ``revert``): commit pr8-c0 ``Revert "Add cart" / This reverts commit <s6>`` authored 06-10
    08:00, opened 09:00, merged 10:00 with a merge commit m8. D3 06-10 12:00 ships pr8-c0 and m8: m8 is no
    change; pr8-c0 is (its own date: lead 4 h) and a revert commit of s6, a change of D2 → D2 failed
    (revert), recovered at D3: 12 h. D3 is rework (a revert commit; PR #8's label too: once). D4 06-11
    00:00 ships c4 (06-10 23:00: lead 1 h): neither.

    30d: deployments 4; CFR 1/4; recovery 12; leads 4, 6, 4, 1 → sorted 1, 4, 4, 6: p50 4; p90 r 2.7 → 4 +
    0.7 × 2 = 5.4. Rework (labels ``hotfix``, ``rollback``, ``revert``, ``incident``) D2, D3 → 2/4.
    Breakdown (no reviews): PR #5 by D2: coding 1, deploy 22:00 → 00:00 = 2; PR #6 by
    D2: coding 1, deploy 1; PR #8 by D3 (it lists m8): coding 1, deploy 10:00 → 12:00 = 2 → coding 1,
    deploy median of 1, 2, 2 = 2. Bands: 4/30 medium; 4 h elite; 25 % low; 12 h high.
    As of 06-10 11:00 (PR #8 merged, D3 not deployed): F0, D2 → 2; CFR 0; rework D2 by its label → 1/2.
    """
    first(facts)
    s5 = facts.commit(sha("s5"), at(9, 22))
    facts.pull_request(
        5, created_at=at(9, 21), merged_at=at(9, 22), merge_commit_sha=s5, commit_dates=[at(9, 20)]
    )
    add_label(facts, 5, "hotfix")
    s6 = facts.commit(sha("s6"), at(9, 23))
    facts.pull_request(
        6, created_at=at(9, 19), merged_at=at(9, 23), merge_commit_sha=s6, commit_dates=[at(9, 18)]
    )
    d2 = facts.deployment(at(10), ships=[s5, s6])
    revert = facts.commit("pr8-c0", at(10, 8), message=f'Revert "Add cart"\n\nThis reverts commit {s6}.')
    m8 = facts.commit(sha("m8"), at(10, 10), parents=2, message="Merge pull request #8 from acme/revert-cart")
    facts.pull_request(
        8, created_at=at(10, 9), merged_at=at(10, 10), merge_commit_sha=m8, commit_dates=[at(10, 8)]
    )
    add_label(facts, 8, "revert")
    facts.deployment(at(10, 12), ships=[revert, m8])
    ship(facts, at(11), [("c4", at(10, 23))])

    result = run(facts, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {d2: (("revert",), at(10, 12))}
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=4,
            change_failure_rate=0.25,
            failed_deployment_recovery_hours_p50=12.0,
            rework_rate=0.5,
            lead_time_hours_p50=4.0,
            lead_time_hours_p90=5.4,
            lead_time_breakdown_hours_p50=breakdown(1.0, None, None, 2.0),
            bands=bands("medium", "elite", "low", "high"),
        )
    early = rows_30d(run(facts, rework_labels=REWORK_LABELS, as_of=at(10, 11)))[TEAM]
    check(early, deployments=2, change_failure_rate=0.0, rework_rate=0.5)


# -- 4. a revert deployed from a diverged branch while an incident is open, then merged back --------------


def test_revert_deployed_from_a_diverged_branch_during_an_incident_then_merged_back(facts: Facts) -> None:
    """No rework labels. F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h); D3 06-10 04:00
    ships c3 (03:00: lead 1 h), a child of c2. I1 (P1, no sha) 04:30 → 07:00: the latest deployment before
    it is D3 (0.5 h) → D3 failed (window), recovered at 07:00: 3 h.
    v4 ``Revert "Add cart" / This reverts commit <c2>``, authored 05:00 on a branch cut from c2. H4 06-10
    06:00 deploys it: compare(c3...v4) is ``diverged``, listing v4 → change v4 (lead 1 h), a revert commit
    of D2's change → D2 failed (revert), recovered at 06:00: 6 h. H4 is rework (a revert commit, and I1 is
    open: once). H4 left c3 out of production, but ``diverged`` is no rollback: D3 is failed by I1 only.
    m5 = merge(c3, v4) at 09:00 (no PR). D5 06-10 10:00 deploys it: compare(v4...m5) is ``ahead``, listing
    c3 (D3's already) and m5 (a merge commit, no change) → no change, no revert commit of its own, I1 is
    resolved → not rework.

    30d: deployments F0, D2, D3, H4, D5 → 5; CFR 2/5; recovery 6, 3 → p50 4.5; rework H4 → 1/5; incidents
    1; restore 2.5 h; leads 2, 1, 1 → sorted 1, 1, 2: p50 1; p90 r 1.8 → 1 + 0.8 × 1 = 1.8. Bands: 5/30 ≥
    1/7 high; 1 h elite; 40 % low; 4.5 h high.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    d3 = ship(facts, at(10, 4), [("c3", at(10, 3))])
    add_incident(facts, "I1", at(10, 4.5), resolved_at=at(10, 7))
    v4 = facts.commit(sha("v4"), at(10, 5), message=f'Revert "Add cart"\n\nThis reverts commit {sha("c2")}.')
    h4 = facts.deployment(at(10, 6), ships=[v4], compare="diverged")
    m5 = facts.commit(sha("m5"), at(10, 9), parents=2, message="Merge branch 'revert-cart'")
    d5 = facts.deployment(at(10, 10), ships=[sha("c3"), m5])

    result = run(facts)
    assert failed_recovered(result) == {d2: (("revert",), at(10, 6)), d3: (("window",), at(10, 7))}
    assert {h4, d5}.isdisjoint(failed_recovered(result))
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.4,
            failed_deployment_recovery_hours_p50=4.5,
            rework_rate=0.2,
            incidents=1,
            time_to_restore_hours_p50=2.5,
            lead_time_hours_p50=1.0,
            lead_time_hours_p90=1.8,
            bands=bands("high", "elite", "low", "high"),
        )


# -- 5. "this reverts commit" in other letter cases, beside a Revert label ----------------------------------


def test_revert_wording_in_other_letter_cases_is_no_revert_commit_but_a_revert_label_is_rework(
    facts: Facts,
) -> None:
    """F0 first 06-01. D2 06-10 00:00 ships c2 (06-09 22:00: lead 2 h).
    PR #4 (label ``Revert``): commit 06-10 20:00, opened 21:00, squash-merged 22:00 as s4 whose message is
    ``revert c2 (#4) / this reverts commit <c2>.`` — not ``This reverts commit`` as git writes it (docs:
    letter case included), so s4 is no revert commit: D2 is not failed by it. D3 06-11 00:00 ships s4:
    lead from the PR's commit 4 h; rework only by its label (``Revert`` is the configured ``revert``).
    D4 06-12 00:00 ships h4 (06-11 23:00: lead 1 h) ``THIS REVERTS COMMIT <c2>``: no revert commit, no
    label → neither. D5 06-13 00:00 ships v5 (06-12 21:00: lead 3 h) ``Revert "Add cart" / This reverts
    commit <c2[:7]>.`` → rework; D2 failed (revert), recovered at D5: 72 h.

    30d: deployments 5; CFR 1/5; recovery 72; leads 2, 4, 1, 3 → sorted 1, 2, 3, 4: p50 2.5; p90 r 2.7 → 3
    + 0.7 × 1 = 3.7. Rework (labels ``hotfix``, ``rollback``, ``revert``, ``incident``) D3, D5 → 2/5 (D5
    alone, 1/5, if the label went unread). Bands: 5/30 high; 2.5 h elite; 20 % low; 72 h < 1 week → medium.
    """
    first(facts)
    c2 = sha("c2")
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    s4 = facts.commit(sha("s4"), at(10, 22), message=f"revert c2 (#4)\n\nthis reverts commit {c2}.")
    facts.pull_request(
        4, created_at=at(10, 21), merged_at=at(10, 22), merge_commit_sha=s4, commit_dates=[at(10, 20)]
    )
    add_label(facts, 4, "Revert")
    facts.deployment(at(11), ships=[s4])
    ship(facts, at(12), [("h4", at(11, 23), f"THIS REVERTS COMMIT {c2}")])
    ship(facts, at(13), [("v5", at(12, 21), f'Revert "Add cart"\n\nThis reverts commit {c2[:7]}.')])

    result = run(facts, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {d2: (("revert",), at(13))}
    for team in ("*", TEAM):
        check(
            rows_30d(result)[team],
            deployments=5,
            change_failure_rate=0.2,
            failed_deployment_recovery_hours_p50=72.0,
            rework_rate=0.4,
            lead_time_hours_p50=2.5,
            lead_time_hours_p90=3.7,
            bands=bands("high", "elite", "low", "medium"),
        )
