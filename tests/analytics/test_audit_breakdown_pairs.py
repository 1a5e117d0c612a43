"""Audit: the lead-time breakdown (SPEC §5.3, §6.2) where it meets the change rules (§5.2) and windows (§6).

As of 2026-06-30 00:00 UTC unless a scenario says otherwise, windows 7d (06-23 00:00, 06-30 00:00],
30d (05-31 00:00, …] and 90d (04-01 00:00, …]. Team ``order-team`` owns acme/orders, ``payments`` owns
acme/pay, nobody owns acme/stray (team ``unowned``). Everything goes through ``compute_metrics``, the
code ``doraspace metrics`` runs. Every expected number is worked out by hand in the test's docstring.

SPEC sentences the scenarios lean on:
* §5.3 "first review by someone other than the author (a submitted review in any state: commented,
  approved, changes requested) … A PR with no such review has no pickup and review stages. … coding
  (first commit → opened), pickup (opened → first review), review (first review → merged), deploy
  (merged → deployed_at of the deployment that shipped the merge commit)."
* §5.2 "a commit is a change only of the first deployment that ships it, so commits re-shipped after a
  rollback are not counted twice. The first deployment in the collected history has unknown changes: it
  counts as a deployment but adds no lead times, and the PRs it ships have no deploy stage."
* §6.2 breakdown: "medians over PRs deployed in the window"; §6 "(as_of − N days, as_of]"; "The
  organisation row "*" covers everything collected, team unowned included".
* docs/metrics.md (the team's readings): a negative stage is dropped for that PR, 0 is kept; the first
  review is any state but PENDING (dismissed included), submitted at or before the merge; the first
  deployment of the history ships the PR whose merge commit is its own sha; PRs of an ``unknown``
  compare are unknown; merge commits (2 parents) count for the breakdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from analytics.dora import MetricPoint, TeamWindowMetrics
from analytics.metrics import compute_metrics_points
from analytics.ownership import RepoScope
from analytics.settings import AnalyticsSettings
from analytics.windows import WindowSpec
from tests.analytics import scenario
from tests.analytics.facts import AS_OF, REPO, Facts, Review, at, sha
from tests.analytics.scenario import (
    NO_BREAKDOWN,
    ORDERS,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    STRAY,
    STRAY_REPO,
    TEAM,
    W7,
    W30,
    W90,
    approx,
    day,
    first,
    rows,
)


def stages(
    coding: float | None = None,
    pickup: float | None = None,
    review: float | None = None,
    deploy: float | None = None,
) -> dict[str, object]:
    """An expected ``lead_time_breakdown_hours_p50``: nulls where not given."""
    values = {"coding": coding, "pickup": pickup, "review": review, "deploy": deploy}
    return {stage: None if value is None else approx(value) for stage, value in values.items()}


def squash(
    facts: Facts,
    number: int,
    *,
    committed: Sequence[datetime],
    opened: datetime,
    merged: datetime,
    reviews: Iterable[Review] = (),
    repo: str = REPO,
    author: str = "alice",
    authored: datetime | None = None,
    merge_sha: str | None = None,
) -> str:
    """PR ``number`` squash-merged at ``merged``: its squash commit (authored at ``authored``, else at the
    merge) is the merge commit, named ``sha("<repo>#<number>")`` unless ``merge_sha`` names it."""
    merge_sha = facts.commit(merge_sha or sha(f"{repo}#{number}"), authored or merged, repo=repo)
    facts.pull_request(
        number,
        created_at=opened,
        merged_at=merged,
        merge_commit_sha=merge_sha,
        commit_dates=committed,
        reviews=reviews,
        author=author,
        repo=repo,
    )
    return merge_sha


def run(
    facts: Facts,
    scopes: Sequence[RepoScope] = (ORDERS,),
    *,
    windows: Sequence[WindowSpec] = (W7, W30),
    as_of: datetime = AS_OF,
) -> dict[tuple[str, str], TeamWindowMetrics]:
    """The rows by (team, window) of the repos alone (no PagerDuty service), 7d and 30d by default."""
    return rows(scenario.run(facts, scopes, (), windows=windows, as_of=as_of))


# -- 1. a rebase merge split over two deployments next to a squash merge ------------------------------------


def test_rebase_merge_is_deployed_by_its_last_commit_and_counts_once_beside_a_squash(facts: Facts) -> None:
    """PR #1 is rebase-merged: its commits land on main as r1, r2, r3 (author dates 06-25 02:00, 04:00,
    06:00 kept); opened 07:00, bob approves 08:00, merged 10:00, merge_commit_sha = r3 (the last).
    PR #2 is squash-merged: commits 01:00 and 03:00, opened 05:00, carol comments 09:00, merged 11:00.
    D2 (10:30) deploys main at r2: ships r1, r2. D3 (12:00) ships r3 and PR #2's squash commit.

    Leads (§5.2): r1, r2 keep their own dates: 8.5 h, 6.5 h; r3 is PR #1's merge commit: from 02:00 →
    10 h; the squash from 01:00 → 11 h. Sorted 6.5, 8.5, 10, 11 → p50 9.25, p90 10 + 0.7 × 1 = 10.7.
    Breakdown: PR #1 is deployed by D3, which shipped its merge commit r3 (not by D2, which shipped its
    other commits), and counts once (not once per rebased commit): coding 02:00 → 07:00 = 5, pickup 1,
    review 2, deploy 10:00 → 12:00 = 2. PR #2: coding 4, pickup 4, review 2, deploy 1.
    Medians: coding 4.5, pickup 2.5, review 2, deploy 1.5 (every deployment is in 7d and 30d but D1).
    """
    first(facts)
    rebased = [facts.commit(f"r{i}", at(25, hour)) for i, hour in ((1, 2), (2, 4), (3, 6))]
    facts.pull_request(
        1,
        created_at=at(25, 7),
        merged_at=at(25, 10),
        merge_commit_sha="r3",
        commit_dates=[at(25, 2), at(25, 4), at(25, 6)],
        reviews=[Review("bob", at(25, 8))],
    )
    sq2 = squash(
        facts,
        2,
        committed=[at(25, 1), at(25, 3)],
        opened=at(25, 5),
        merged=at(25, 11),
        reviews=[Review("carol", at(25, 9), "COMMENTED")],
    )
    facts.deployment(at(25, 10.5), ships=rebased[:2])
    facts.deployment(at(25, 12), ships=[rebased[2], sq2])

    got = run(facts)
    for window, deployments in (("7d", 2), ("30d", 3)):
        row = got[TEAM, window]
        assert row.deployments == deployments
        assert row.lead_time_hours_p50 == approx(9.25)
        assert row.lead_time_hours_p90 == approx(10.7)
        assert row.lead_time_breakdown_hours_p50 == stages(4.5, 2.5, 2.0, 1.5)


# -- 2. the first deployment of the history, a rollback past it, and the re-ship ----------------------------


def rollback_past_the_history_start(facts: Facts) -> None:
    """m0 (a direct push, 05-31 12:00) is main before the collected history. PR #1 (commit 06-01 01:00,
    opened 02:00, bob 03:00, merged 04:00 as sq1, parent m0) is the first collected deployment D1 (06-01
    06:00, compare ``first``). PR #2 (commit 06-05 00:00, opened 01:00, no review, merged 02:00 as sq2)
    ships with D2 (06-05 04:00, ahead). D3 (06:00) rolls back to m0 (behind, no commits). D4 (10:00)
    moves forward again: compare(m0...sq2) lists sq1 and sq2."""
    facts.commit("m0", at(1) - timedelta(hours=12))
    sq1 = squash(
        facts, 1, committed=[at(1, 1)], opened=at(1, 2), merged=at(1, 4), reviews=[Review("bob", at(1, 3))]
    )
    first(facts, at(1, 6), head=sq1)
    sq2 = squash(facts, 2, committed=[at(5)], opened=at(5, 1), merged=at(5, 2))
    facts.deployment(at(5, 4), ships=[sq2])
    facts.deployment(at(5, 6), sha="m0", compare="behind")
    facts.deployment(at(5, 10), ships=[sq1, sq2])


def test_rollback_past_the_history_start_ships_no_pull_request(facts: Facts) -> None:
    """As of 06-05 08:00 (before D4): deployments D1, D2, D3 = 3. Changes: D1 unknown, D2 sq2 (from PR
    #2's commit 00:00 → 04:00 = 4 h), D3 a rollback: none. Breakdown: PR #1 shipped by the first
    deployment (its own sha): coding 1, pickup 1, review 1, no deploy stage; PR #2 coding 1, no review,
    deploy 02:00 → 04:00 = 2. Medians coding 1, pickup 1, review 1, deploy 2. D2 is failed (rolled back
    by D3) and D3 is rework: 1/3 each."""
    rollback_past_the_history_start(facts)
    row = run(facts, windows=(W30,), as_of=at(5, 8))[TEAM, "30d"]
    assert row.deployments == 3
    assert (row.lead_time_hours_p50, row.lead_time_hours_p90) == (approx(4.0), approx(4.0))
    assert row.lead_time_breakdown_hours_p50 == stages(1.0, 1.0, 1.0, 2.0)
    assert row.change_failure_rate == approx(1 / 3)
    assert row.rework_rate == approx(1 / 3)


def test_first_deployments_commit_reshipped_after_a_rollback_is_not_a_change_again(facts: Facts) -> None:
    """As of 06-30: D4 re-ships sq1 and sq2. sq1 was shipped by D1 (it is D1's sha; §5.2 "a commit is a
    change only of the first deployment that ships it, so commits re-shipped after a rollback are not
    counted twice"), sq2 by D2: D4 has no changes. Deployments 4; leads: sq2 4 h only → p50 4, p90 4.
    Breakdown: PR #1 is deployed by D1 once ("the PRs it ships have no deploy stage"), not again by D4;
    PR #2 by D2. Medians as before D4: coding 1, pickup 1, review 1, deploy 2.
    (Counting sq1 as D4's change adds a lead of 06-05 10:00 − 06-01 01:00 = 105 h → p50 54.5, and PR #1
    deployed a second time by D4 adds a deploy stage of 06-05 10:00 − 06-01 04:00 = 102 h → 52.)"""
    rollback_past_the_history_start(facts)
    row = run(facts, windows=(W30,))[TEAM, "30d"]
    assert row.deployments == 4
    assert row.lead_time_breakdown_hours_p50 == stages(1.0, 1.0, 1.0, 2.0)
    assert (row.lead_time_hours_p50, row.lead_time_hours_p90) == (approx(4.0), approx(4.0))


# -- 3. the first deployment ships a PR merged after it, and lies outside the short window -------------------


def test_first_deployment_ships_a_pull_request_merged_later_counted_by_the_deployment_time(
    facts: Facts,
) -> None:
    """D1, the first collected deployment (06-20 10:00, compare ``first``), deploys branch head f1. PR #1
    (commit 06-18 12:00, opened 06-19 00:00, bob 06-23 00:00) is merged by fast-forward at 06-24 00:00,
    merge_commit_sha f1. D2 (06-25 00:00) ships a direct commit authored 06-24 22:00 (lead 2 h).

    PR #1 is shipped by the first deployment: coding 12, pickup 96, review 24, no deploy stage. The
    breakdown counts PRs by their deployment's time, so PR #1 is in 30d but not in 7d although it was
    merged inside 7d. 7d: deployments 1, lead 2, breakdown null. 30d: deployments 2, lead 2, breakdown
    12 / 96 / 24 / null. As of 06-23 12:00 (before the merge) PR #1 is not merged yet: no breakdown, and
    D1 alone in both windows (06-20 is within 7 days of 06-23 12:00)."""
    facts.commit("f1", at(18, 12))
    facts.pull_request(
        1,
        created_at=at(19),
        merged_at=at(24),
        merge_commit_sha="f1",
        commit_dates=[at(18, 12)],
        reviews=[Review("bob", at(23))],
    )
    first(facts, at(20, 10), head="f1")
    facts.deployment(at(25), ships=[facts.commit("c2", at(24, 22))])

    got = run(facts)
    week, month = got[TEAM, "7d"], got[TEAM, "30d"]
    assert (week.deployments, week.lead_time_hours_p50) == (1, approx(2.0))
    assert week.lead_time_breakdown_hours_p50 == NO_BREAKDOWN
    assert (month.deployments, month.lead_time_hours_p50) == (2, approx(2.0))
    assert month.lead_time_breakdown_hours_p50 == stages(12.0, 96.0, 24.0, None)
    before = run(facts, as_of=at(23, 12))
    for window in ("7d", "30d"):
        assert before[TEAM, window].deployments == 1
        assert before[TEAM, window].lead_time_hours_p50 is None
        assert before[TEAM, window].lead_time_breakdown_hours_p50 == NO_BREAKDOWN


# -- 4. deployed before its merge, across the 7-day edge ---------------------------------------------------


def deployed_before_merge(facts: Facts) -> None:
    first(facts)
    b0, b1 = facts.commit("b0", at(22, 6)), facts.commit("b1", at(22, 8))
    facts.pull_request(
        2,
        created_at=at(22, 9),
        merged_at=at(23, 12),
        merge_commit_sha=b1,
        commit_dates=[at(22, 6), at(22, 8)],
        reviews=[Review("dave", at(22, 10))],
    )
    facts.deployment(at(22, 12), ships=[b0, b1])
    sq3 = squash(facts, 3, committed=[at(22, 14)], opened=at(22, 15), merged=at(22, 18))
    facts.deployment(at(23, 6), ships=[sq3])


def test_pull_request_deployed_before_its_merge_counts_where_its_deployment_is(facts: Facts) -> None:
    """PR #2: commits b0 (06-22 06:00) and b1 (08:00), opened 09:00, dave approves 10:00. D2 (06-22
    12:00) deploys the branch (ships b0, b1); main is fast-forwarded at 06-23 12:00: merged then,
    merge_commit_sha b1. PR #3: commit 06-22 14:00, opened 15:00, no review, merged 18:00 (squash), shipped
    by D3 at 06-23 06:00.

    Leads: b0 own date 6 h; b1 is PR #2's merge commit (merged by as_of), from 06:00 → 6 h; PR #3's squash
    from 14:00 → 16 h. Breakdown: PR #2 coding 3, pickup 1, review 10:00 → 06-23 12:00 = 26, deploy
    06-22 12:00 − 06-23 12:00 < 0: dropped. PR #3 coding 1, deploy 12.
    7d (06-23 00:00, …]: D3 only — PR #2 is merged inside 7d but deployed before it: not counted.
    Deployments 1, lead 16, breakdown coding 1, deploy 12. 30d: deployments 3 (D1, D2, D3); leads 6, 6,
    16 → p50 6, p90 6 + 0.8 × 10 = 14; breakdown coding (1, 3) 2, pickup 1, review 26, deploy 12."""
    deployed_before_merge(facts)
    got = run(facts)
    week, month = got[TEAM, "7d"], got[TEAM, "30d"]
    assert (week.deployments, week.lead_time_hours_p50) == (1, approx(16.0))
    assert week.lead_time_breakdown_hours_p50 == stages(1.0, None, None, 12.0)
    assert month.deployments == 3
    assert (month.lead_time_hours_p50, month.lead_time_hours_p90) == (approx(6.0), approx(14.0))
    assert month.lead_time_breakdown_hours_p50 == stages(2.0, 1.0, 26.0, 12.0)


def test_points_of_one_computation_see_the_merge_only_from_their_own_as_of(facts: Facts) -> None:
    """The scenario above, computed as three points at once (as a snapshot does: the facts derived as of
    the latest point, each point seeing the PRs merged by its own as_of — docs/metrics.md "Points").
    7d as of 06-23 11:00 (window from 06-16 11:00): D2, D3 → deployments 2. PR #2 is not merged yet: b1
    starts at its own date (08:00 → 12:00 = 4 h); leads 4, 6 (b0), 16 (sq3) → p50 6; breakdown PR #3
    only: coding 1, deploy 12.
    7d as of 06-23 12:00 (the merge, inclusive): D2, D3 again; PR #2 is merged: b1 from 06:00 → 6 h;
    leads 6, 6, 16 → p50 6; breakdown PR #2 and PR #3: coding 2, pickup 1, review 26, deploy 12 (PR #2's
    negative deploy dropped).
    7d as of 06-30: D3 only: lead 16, breakdown coding 1, deploy 12 (as above). Each point equals
    compute_metrics as of that instant alone."""
    deployed_before_merge(facts)
    instants = (at(23, 11), at(23, 12), AS_OF)
    points = [MetricPoint(instant, (W7,)) for instant in instants]
    settings = AnalyticsSettings(windows=(W7,), attribution_window=timedelta(hours=24))
    results = compute_metrics_points(
        facts.engine, (ORDERS,), points, settings=settings, band_windows=[W7] * 3
    )
    expected = {
        at(23, 11): (2, 6.0, stages(1.0, None, None, 12.0)),
        at(23, 12): (2, 6.0, stages(2.0, 1.0, 26.0, 12.0)),
        AS_OF: (1, 16.0, stages(1.0, None, None, 12.0)),
    }
    for instant, result in zip(instants, results, strict=True):
        row = next(row for row in result.rows if row.team == TEAM)
        deployments, lead, breakdown = expected[instant]
        assert (row.deployments, row.lead_time_hours_p50) == (deployments, approx(lead)), instant
        assert row.lead_time_breakdown_hours_p50 == breakdown, instant
        alone = run(facts, windows=(W7,), as_of=instant)[TEAM, "7d"]
        assert alone.lead_time_breakdown_hours_p50 == row.lead_time_breakdown_hours_p50, instant
        assert alone.lead_time_hours_p50 == row.lead_time_hours_p50, instant


# -- 5. window edges on the deployment time, 7d / 30d / 90d -------------------------------------------------


def test_breakdown_window_edges_are_half_open_on_the_deployment_time(facts: Facts) -> None:
    """First deployment 03-01 (outside every window). PRs A–E, no reviews, each opened 0.5 h before its
    merge and shipped alone; (coding, deploy) hours: A (1, 2), B (2, 4), C (4, 8), D (8, 16), E (16, 32).
    Deployed at: A exactly 04-01 00:00 (= as_of − 90 d: out of 90d), B 04-01 01:00, C exactly 05-31 00:00
    (= as_of − 30 d: out of 30d), D exactly 06-23 00:00 (= as_of − 7 d: out of 7d), E exactly 06-30 00:00
    (= as_of: in every window).
    90d: B, C, D, E → deployments 4; coding median(2, 4, 8, 16) = 6, deploy 12. Leads (deploy + 0.5 +
    coding): 6.5, 12.5, 24.5, 48.5 → p50 18.5.
    30d: D, E → deployments 2; coding 12, deploy 24; leads 24.5, 48.5 → p50 36.5.
    7d: E → deployments 1; coding 16, deploy 32; lead 48.5."""
    first(facts, day(3, 1))
    for number, (deployed_at, coding) in enumerate(
        ((day(4, 1), 1), (day(4, 1, 1), 2), (day(5, 31), 4), (at(23), 8), (at(30), 16)), start=1
    ):
        merged = deployed_at - timedelta(hours=2 * coding)
        opened = merged - timedelta(hours=0.5)
        merge_sha = squash(
            facts, number, committed=[opened - timedelta(hours=coding)], opened=opened, merged=merged
        )
        facts.deployment(deployed_at, ships=[merge_sha])

    got = run(facts, windows=(W7, W30, W90))
    expected = {"90d": (4, 6.0, 12.0, 18.5), "30d": (2, 12.0, 24.0, 36.5), "7d": (1, 16.0, 32.0, 48.5)}
    for team in (TEAM, "*"):
        for window, (deployments, coding, deploy, lead) in expected.items():
            row = got[team, window]
            assert row.deployments == deployments, (team, window)
            assert row.lead_time_breakdown_hours_p50 == stages(coding, None, None, deploy), (team, window)
            assert row.lead_time_hours_p50 == approx(lead), (team, window)


# -- 6. a merge-commit PR re-shipped after a rollback, the re-ship inside the short window -------------------


def test_merge_commit_pull_request_reshipped_after_a_rollback_counts_for_its_first_shipper(
    facts: Facts,
) -> None:
    """PR #1 is merged with a merge commit m1 (2 parents): branch commit b1 06-20 06:00, opened 08:00, bob
    approves 09:00, merged 10:00. D2 (06-20 12:00) ships b1, m1. D3 (14:00) rolls back to D1's sha
    (behind). PR #2 (commit 06-24 06:00, opened 07:00, no review, merged 08:00, squash) ships with D4
    (06-25 12:00), which also re-ships b1 and m1.

    Changes: D2 b1 (own date, 6 h; m1 is a merge commit, no change); D3 none; D4 PR #2's squash (from
    06-24 06:00: 30 h) — b1 is D2's. Breakdown: PR #1 deployed by D2 (first to ship m1; merge commits count
    for the breakdown): coding 2, pickup 1, review 1, deploy 2. PR #2 by D4: coding 1, deploy 06-24 08:00
    → 06-25 12:00 = 28.
    7d: D4 only → deployments 1, lead 30, breakdown coding 1, deploy 28 (PR #1's re-ship in 7d does not
    bring it in); change failure rate 0/1, rework 0/1.
    30d: deployments 4; leads 6, 30 → p50 18; breakdown coding 1.5, pickup 1, review 1, deploy 15; D2
    failed by the rollback 1/4; rework (the rollback) 1/4."""
    first(facts)
    b1 = facts.commit("b1", at(20, 6))
    m1 = facts.commit("m1", at(20, 10), parents=2)
    facts.pull_request(
        1,
        created_at=at(20, 8),
        merged_at=at(20, 10),
        merge_commit_sha=m1,
        commit_dates=[at(20, 6)],
        reviews=[Review("bob", at(20, 9))],
    )
    facts.deployment(at(20, 12), ships=[b1, m1])
    facts.deployment(at(20, 14), sha=sha(f"first-{REPO}"), compare="behind")
    sq2 = squash(facts, 2, committed=[at(24, 6)], opened=at(24, 7), merged=at(24, 8))
    facts.deployment(at(25, 12), ships=[b1, m1, sq2])

    got = run(facts)
    week, month = got[TEAM, "7d"], got[TEAM, "30d"]
    assert (week.deployments, week.lead_time_hours_p50) == (1, approx(30.0))
    assert week.lead_time_breakdown_hours_p50 == stages(1.0, None, None, 28.0)
    assert (week.change_failure_rate, week.rework_rate) == (approx(0.0), approx(0.0))
    assert (month.deployments, month.lead_time_hours_p50) == (4, approx(18.0))
    assert month.lead_time_breakdown_hours_p50 == stages(1.5, 1.0, 1.0, 15.0)
    assert (month.change_failure_rate, month.rework_rate) == (approx(1 / 4), approx(1 / 4))


# -- 7. staging before production, and a mirror repo deploying the same sha ----------------------------------


def test_only_production_deploys_a_pull_request_and_only_in_its_own_repo(facts: Facts) -> None:
    """acme/orders: PR #1 (commit 06-10 06:00, opened 07:00, no review, merged 10:00 as sq1). The staging
    environment's first deployment (11:00, compare ``first``) is at sq1; production D2 (15:00) ships sq1.
    PR #2 (commit 06-11 00:00, opened 03:00, merged 04:00 as sq2): staging ships it at 04:30, production D3
    at 06:00. acme/pay (payments) mirrors the same commit sq1 (author date 10:00) and deploys it at
    06-10 12:00; it has no PR.

    order-team (production only): deployments D1, D2, D3 = 3; PR #1 once (not also by the staging first
    deployment): coding 1, deploy 15:00 − 10:00 = 5; PR #2 coding 3, deploy 06:00 − 04:00 = 2 (not 0.5,
    staging's) → coding 2, deploy 3.5. Leads sq1 from 06:00 → 9, sq2 from 00:00 → 6 → p50 7.5.
    payments: deployments 2; no PR of acme/pay → breakdown null; lead sq1 at its own date 10:00 → 2 h.
    "*": deployments 5; PR #1 and PR #2 once each (the mirror's deployment ships no PR of its repo):
    coding 2, deploy 3.5; leads 2, 6, 9 → p50 6, p90 6 + 0.8 × 3 = 8.4."""
    first(facts)
    first(facts, repo=PAY_REPO)
    sq1 = squash(facts, 1, committed=[at(10, 6)], opened=at(10, 7), merged=at(10, 10))
    facts.deployment(at(10, 11), sha=sq1, compare="first", environment="staging")
    facts.deployment(at(10, 15), ships=[sq1])
    facts.commit(sq1, at(10, 10), repo=PAY_REPO)
    facts.deployment(at(10, 12), ships=[sq1], repo=PAY_REPO)
    sq2 = squash(facts, 2, committed=[at(11)], opened=at(11, 3), merged=at(11, 4))
    facts.deployment(at(11, 4.5), ships=[sq2], environment="staging")
    facts.deployment(at(11, 6), ships=[sq2])

    got = run(facts, (ORDERS, PAY), windows=(W30,))
    orders, pay, org = got[TEAM, "30d"], got[PAY_TEAM, "30d"], got["*", "30d"]
    assert (orders.deployments, orders.lead_time_hours_p50) == (3, approx(7.5))
    assert orders.lead_time_breakdown_hours_p50 == stages(2.0, None, None, 3.5)
    assert (pay.deployments, pay.lead_time_hours_p50) == (2, approx(2.0))
    assert pay.lead_time_breakdown_hours_p50 == NO_BREAKDOWN
    assert org.deployments == 5
    assert (org.lead_time_hours_p50, org.lead_time_hours_p90) == (approx(6.0), approx(8.4))
    assert org.lead_time_breakdown_hours_p50 == stages(2.0, None, None, 3.5)


# -- 8. reviews: bot, dismissed, pending, after the merge, before the opening; negative and zero stages -----


def test_first_review_rules_and_negative_stages_meet_in_one_deployment(facts: Facts) -> None:
    """All PRs by alice, deployed together by D2 at 06-26 12:00.
    PR #11: commit 06-25 00:00, opened 02:00; alice comments 02:30 (her own: not a review), ci-bot[bot]
      comments 03:00 (someone other than the author, a submitted review: the first), bob approves 05:00;
      merged 08:00. coding 2, pickup 1, review 5, deploy 28.
    PR #12: commit 01:00, opened 04:00; bob's review 06:00 was later dismissed (state DISMISSED: still a
      submitted review), carol approves 07:00; merged 09:00. coding 3, pickup 2, review 3, deploy 27.
    PR #13: commit 05:00, opened 06:00; bob's review is pending (never submitted), carol approves at 20:00,
      after the merge at 10:00: no first review → no pickup, no review stage. coding 1, deploy 26.
    PR #14: commit 06-24 20:00, opened 06-25 00:00; bob comments 06-24 22:00 (before the opening: clock
      skew), carol approves 01:00; merged 04:00. coding 4; the first review is bob's: pickup −2 h is
      dropped, review 22:00 → 04:00 = 6 (docs: a negative stage is dropped, the others kept); deploy 32.
    PR #15: opened 05:00, its only commit authored 06:00 (after the opening: coding −1, dropped); dave
      comments at 05:00 exactly (pickup 0, kept); merged 11:00: review 6; deploy 25.
    Medians: coding (2, 3, 1, 4) → 2.5; pickup (1, 2, 0) → 1; review (5, 3, 6, 6) → 5.5; deploy (28, 27, 26,
    32, 25) → 27. Leads from each PR's earliest commit to 06-26 12:00: 36, 35, 31, 40, 30 → p50 35, p90
    36 + 0.6 × 4 = 38.4. Every PR is in 7d and 30d."""
    first(facts)
    merges = [
        squash(
            facts,
            11,
            committed=[at(25)],
            opened=at(25, 2),
            merged=at(25, 8),
            reviews=[
                Review("alice", at(25, 2.5), "COMMENTED"),
                Review("ci-bot[bot]", at(25, 3), "COMMENTED"),
                Review("bob", at(25, 5)),
            ],
        ),
        squash(
            facts,
            12,
            committed=[at(25, 1)],
            opened=at(25, 4),
            merged=at(25, 9),
            reviews=[Review("bob", at(25, 6), "DISMISSED"), Review("carol", at(25, 7))],
        ),
        squash(
            facts,
            13,
            committed=[at(25, 5)],
            opened=at(25, 6),
            merged=at(25, 10),
            reviews=[Review("bob", None, "PENDING"), Review("carol", at(25, 20))],
        ),
        squash(
            facts,
            14,
            committed=[at(24, 20)],
            opened=at(25),
            merged=at(25, 4),
            reviews=[Review("bob", at(24, 22), "COMMENTED"), Review("carol", at(25, 1))],
        ),
        squash(
            facts,
            15,
            committed=[at(25, 6)],
            opened=at(25, 5),
            merged=at(25, 11),
            reviews=[Review("dave", at(25, 5), "COMMENTED")],
        ),
    ]
    facts.deployment(at(26, 12), ships=merges)

    got = run(facts)
    for window in ("7d", "30d"):
        row = got[TEAM, window]
        assert row.lead_time_breakdown_hours_p50 == stages(2.5, 1.0, 5.5, 27.0), window
        assert (row.lead_time_hours_p50, row.lead_time_hours_p90) == (approx(35.0), approx(38.4)), window


# -- 9. the organisation row: one median over every team's PRs, unowned included, per window -----------------


def test_organisation_breakdown_pools_every_teams_pull_requests_unowned_included(facts: Facts) -> None:
    """Each PR (no review) has coding k hours and deploy 2k hours, shipped alone:
    order-team: k = 10 deployed 06-20, k = 1 deployed 06-26; payments: k = 2 06-27, k = 3 06-28;
    unowned (acme/stray): k = 20 06-28, k = 30 06-15. First deployments 06-01.
    30d: "*" over k = 1, 2, 3, 10, 20, 30 → coding 6.5, deploy 13 (not the median of the team medians
    5.5 / 2.5 / 25 → 5.5, nor 2.5 without unowned). Teams: order-team 5.5 / 11, payments 2.5 / 5,
    unowned 25 / 50.
    7d: "*" over k = 1, 2, 3, 20 → coding 2.5, deploy 5 (without unowned: 2 / 4). Teams: order-team 1 / 2,
    payments 2.5 / 5, unowned 20 / 40."""
    number = 0
    for repo, shipped in (
        (REPO, ((at(20), 10), (at(26), 1))),
        (PAY_REPO, ((at(27), 2), (at(28), 3))),
        (STRAY_REPO, ((at(28), 20), (at(15), 30))),
    ):
        first(facts, repo=repo)
        for deployed_at, k in shipped:
            number += 1
            merged = deployed_at - timedelta(hours=2 * k)
            opened = merged - timedelta(hours=0.25)
            merge_sha = squash(
                facts,
                number,
                committed=[opened - timedelta(hours=k)],
                opened=opened,
                merged=merged,
                repo=repo,
            )
            facts.deployment(deployed_at, ships=[merge_sha], repo=repo)

    got = run(facts, (ORDERS, PAY, STRAY))
    expected = {
        ("*", "30d"): 6.5,
        (TEAM, "30d"): 5.5,
        (PAY_TEAM, "30d"): 2.5,
        ("unowned", "30d"): 25.0,
        ("*", "7d"): 2.5,
        (TEAM, "7d"): 1.0,
        (PAY_TEAM, "7d"): 2.5,
        ("unowned", "7d"): 20.0,
    }
    for key, coding in expected.items():
        assert got[key].lead_time_breakdown_hours_p50 == stages(coding, None, None, 2 * coding), key


# -- 10. an unknown compare at a PR's merge commit ----------------------------------------------------------


def test_pull_request_at_an_unknown_compare_is_not_deployed_and_the_next_one_counts(facts: Facts) -> None:
    """docs/metrics.md: "A PR is deployed by the first deployment with a known compare (not first, not
    unknown) whose compare contains the PR's merge commit … [the PRs] of a deployment whose compare GitHub
    could not answer (unknown)" are unknown. D2 (06-26 00:00) deploys PR #2's squash sq2 (commit 06-25
    12:00, opened 21:00, merged 22:00) but GitHub could not compare it: D2 counts, adds no lead times and
    deploys no known PR. D3 (06-27 00:00, ahead from sq2) ships PR #3's sq3 (commit 06-26 18:00, opened
    19:00, eve reviews 20:00, merged 22:00). Deployments 3 in 30d (2 in 7d); lead sq3 6 h; breakdown PR #3
    only: coding 1, pickup 1, review 2, deploy 2. (PR #2 counted would add coding 9 and deploy 2: coding
    median 5.)"""
    first(facts)
    sq2 = squash(facts, 2, committed=[at(25, 12)], opened=at(25, 21), merged=at(25, 22))
    facts.deployment(at(26), sha=sq2, compare="unknown")
    sq3 = squash(
        facts,
        3,
        committed=[at(26, 18)],
        opened=at(26, 19),
        merged=at(26, 22),
        reviews=[Review("eve", at(26, 20))],
    )
    facts.deployment(at(27), ships=[sq3])

    got = run(facts)
    assert (got[TEAM, "7d"].deployments, got[TEAM, "30d"].deployments) == (2, 3)
    for window in ("7d", "30d"):
        row = got[TEAM, window]
        assert row.lead_time_hours_p50 == approx(6.0)
        # PR #3 only (PR #2 would add coding 9 and deploy 2: medians 5 and 2).
        assert row.lead_time_breakdown_hours_p50 == stages(1.0, 1.0, 2.0, 2.0)


# -- 11. PRs of first deployments at the window edges, in a team and in unowned ------------------------------


def test_first_deployment_pull_requests_at_the_window_edges_and_in_the_organisation_row(facts: Facts) -> None:
    """acme/orders' first deployment is exactly at 05-31 00:00 (= as_of − 30 d) and deploys PR #1's squash
    (commit 05-30 20:00, opened 22:00, bob 23:00, merged 23:30): coding 2, pickup 1, review 0.5, no deploy
    stage. acme/stray's (unowned) first deployment is exactly at as_of and deploys PR #2's squash (commit
    06-29 12:00, opened 16:00, no review, merged 20:00): coding 4, nothing else.
    order-team: 90d deployments 1, breakdown 2 / 1 / 0.5 / null; 30d and 7d: 0 deployments, all null.
    unowned: every window 1 deployment, coding 4. "*": 90d coding median(2, 4) = 3, pickup 1, review 0.5,
    deploy null; 30d and 7d coding 4. No lead times anywhere (first deployments add none)."""
    sq1 = squash(
        facts,
        1,
        committed=[day(5, 30, 20)],
        opened=day(5, 30, 22),
        merged=day(5, 30, 23.5),
        reviews=[Review("bob", day(5, 30, 23))],
    )
    first(facts, day(5, 31), head=sq1)
    sq2 = squash(facts, 2, committed=[at(29, 12)], opened=at(29, 16), merged=at(29, 20), repo=STRAY_REPO)
    first(facts, AS_OF, repo=STRAY_REPO, head=sq2)

    got = run(facts, (ORDERS, STRAY), windows=(W7, W30, W90))
    for window in ("7d", "30d", "90d"):
        orders, stray, org = got[TEAM, window], got["unowned", window], got["*", window]
        assert stray.deployments == 1
        assert stray.lead_time_breakdown_hours_p50 == stages(4.0), window
        if window == "90d":
            assert orders.deployments == 1
            assert orders.lead_time_breakdown_hours_p50 == stages(2.0, 1.0, 0.5), window
            assert org.lead_time_breakdown_hours_p50 == stages(3.0, 1.0, 0.5), window
        else:
            assert orders.deployments == 0
            assert orders.lead_time_breakdown_hours_p50 == NO_BREAKDOWN, window
            assert org.lead_time_breakdown_hours_p50 == stages(4.0), window
        for row in (orders, stray, org):
            assert row.lead_time_hours_p50 is None, (row.team, window)


# -- 12. a rollback to a PR's merge commit, inside the short window ------------------------------------------


def test_rollback_to_a_pull_requests_merge_commit_deploys_no_pull_request_again(facts: Facts) -> None:
    """PR #1 (commit 06-20 00:00, opened 01:00, no review, merged 02:00 as sq1) ships with D2 (04:00):
    coding 1, deploy 2, lead 4. PR #2 (commit 06-21 00:00, opened 02:00, bob 03:00, merged 05:00 as sq2)
    ships with D3 (08:00): coding 2, pickup 1, review 2, deploy 3, lead 8. D4 (06-24 00:00) rolls back to
    sq1, PR #1's merge commit (behind: no changes, deploys no PR again). PR #5 (commit 06-25 00:00, opened
    04:00, merged 06:00 as sq5) ships with D5 (10:00), which also re-ships sq2 (D3's): coding 4, deploy 4,
    lead 10.
    7d (06-23 00:00, …]: D4, D5 → deployments 2; lead 10; breakdown PR #5 only: coding 4, deploy 4; D3,
    the rolled-back deployment, is outside: change failure rate 0/2; rework (the rollback) 1/2.
    30d: deployments 5; leads 4, 8, 10 → p50 8; breakdown coding (1, 2, 4) 2, pickup 1, review 2, deploy
    (2, 3, 4) 3; failed D3: 1/5; rework 1/5."""
    first(facts)
    sq1 = squash(facts, 1, committed=[at(20)], opened=at(20, 1), merged=at(20, 2))
    facts.deployment(at(20, 4), ships=[sq1])
    sq2 = squash(
        facts, 2, committed=[at(21)], opened=at(21, 2), merged=at(21, 5), reviews=[Review("bob", at(21, 3))]
    )
    facts.deployment(at(21, 8), ships=[sq2])
    facts.deployment(at(24), sha=sq1, compare="behind")
    sq5 = squash(facts, 5, committed=[at(25)], opened=at(25, 4), merged=at(25, 6))
    facts.deployment(at(25, 10), ships=[sq2, sq5])

    got = run(facts)
    week, month = got[TEAM, "7d"], got[TEAM, "30d"]
    assert (week.deployments, week.lead_time_hours_p50) == (2, approx(10.0))
    assert week.lead_time_breakdown_hours_p50 == stages(4.0, None, None, 4.0)
    assert (week.change_failure_rate, week.rework_rate) == (approx(0.0), approx(1 / 2))
    assert (month.deployments, month.lead_time_hours_p50) == (5, approx(8.0))
    assert month.lead_time_breakdown_hours_p50 == stages(2.0, 1.0, 2.0, 3.0)
    assert (month.change_failure_rate, month.rework_rate) == (approx(1 / 5), approx(1 / 5))
