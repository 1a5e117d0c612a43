"""Audit, round 5: lead time for changes and its breakdown where two or three rules meet (SPEC §5.2, §5.3,
§6, §6.2; docs/metrics.md "Changes", "Lead time for changes", "Lead time breakdown" where SPEC leaves a
choice).

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise: 7d = (06-23 00:00,
06-30 00:00], 30d = (05-31 00:00, 06-30 00:00], 90d = (04-01 00:00, 06-30 00:00]. Team ``order-team``
owns acme/orders, ``payments`` owns acme/pay. A repo's first deployment (compare ``first``) counts and adds
no lead times. No PagerDuty service: these scenarios are about delivery only. Everything goes through
``compute_metrics`` (what ``doraspace metrics`` runs), on both stores. Every expected number is worked out
by hand in the test's docstring.

SPEC / docs sentences the scenarios lean on:

* §5.2 "A change's start is the earliest author date among the commits of the merged PR whose
  merge_commit_sha is the change's sha (a squash merge's commit; for a rebase merge only its last commit),
  else the commit's own author date. Its lead time is D.deployed_at − start; values ≤ 0 are dropped."
* §5.3 "first review by someone other than the author (a submitted review in any state …) … A PR with no
  such review has no pickup and review stages … deploy (merged → deployed_at of the deployment that
  shipped the merge commit)."
* §6 "Medians and p90 are percentile_cont (linear interpolation)"; §6.2 breakdown "medians over PRs
  deployed in the window"; §2 ``--as-of``: "facts after it are ignored, as if they had not happened yet".
* docs/metrics.md: the first review is "any state but PENDING …, submitted at or before the merge"; "A
  stage that comes out negative … is dropped for that PR; the PR's other stages still count. A stage of
  exactly 0 is kept"; "A PR is deployed by the first deployment with a known compare (not first, not
  unknown) whose compare contains the PR's merge commit"; "A staging deployment, or one from another
  source, is not counted and does not take part in anything below."
"""

from __future__ import annotations

from analytics.ownership import RepoScope
from tests.analytics.facts import PRODUCTION, REPO, SOURCE, Facts, Review, at, sha
from tests.analytics.scenario import (
    FIRST_SHA,
    NO_BREAKDOWN,
    ORDERS,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    SECOND,
    TEAM,
    W7,
    W30,
    W90,
    approx,
    check,
    day,
    first,
)
from tests.analytics.test_audit_breakdown_pairs import run, squash

BILLING_REPO = "acme/billing"
BILLING = RepoScope(repo=BILLING_REPO, team=TEAM, source=SOURCE, environment=PRODUCTION, service="billing")
MERGED_PRS = RepoScope(repo=REPO, team=TEAM, source="merged_prs", environment=PRODUCTION, service="orders")


def stages(
    coding: float | None = None,
    pickup: float | None = None,
    review: float | None = None,
    deploy: float | None = None,
) -> dict[str, object]:
    """An expected ``lead_time_breakdown_hours_p50``: nulls where not given."""
    values = {"coding": coding, "pickup": pickup, "review": review, "deploy": deploy}
    return {stage: None if value is None else approx(value) for stage, value in values.items()}


# -- 1. percentiles of 2, 4, 5, 6 and 7 values after drops, squash, rebase and direct pushes ----------------


def test_percentiles_after_drops_mix_squash_rebase_and_direct_changes(facts: Facts) -> None:
    """acme/orders (first deployment 06-01):
    D2 (06-10 12:00) ships PR #2's squash sq2 (PR commits listed 06-10 06:00 then 04:00; squash authored
    11:00) → start 04:00 (the earliest, whatever the order) → 8 h; and d0, a direct push authored 12:00 →
    0 h: dropped.
    D3 (06-25 12:00) ships d1 (direct, 10:00 → 2 h), d3 (direct, authored 14:00, after the deployment →
    −2 h: dropped), PR #3 rebase-merged as r0 (09:00 → 3 h) and r1 (its last commit, the merge commit,
    authored 11:30: takes the PR's earliest 09:00 → 3 h, not its own 0.5 h), PR #4's squash sq4 (authored
    11:00; PR commit 06-24 16:00 → 20 h, not its own 1 h).
    acme/pay (first 06-01), P2 (06-26 00:00) ships PR #5's squash (commit 06-25 20:00 → 4 h), p1 (direct,
    06-26 00:00 → 0: dropped), p2 (05:00 → −5: dropped), p3 (06-25 14:00 → 10 h).

    order-team 7d (D3): 2, 3, 3, 20 → p50 at 1.5: 3; p90 at 2.7: 3 + 0.7 × 17 = 14.9. Deployments 1.
    order-team 30d (D1, D2, D3 = 3): 2, 3, 3, 8, 20 → p50 3; p90 at 3.6: 8 + 0.6 × 12 = 15.2.
    payments 7d and 30d (2 values after 2 drops): 4, 10 → p50 7; p90 4 + 0.9 × 6 = 9.4. Deployments 1, 2.
    "*" 7d: 2, 3, 3, 4, 10, 20 → p50 at 2.5: 3.5; p90 at 4.5: 10 + 0.5 × 10 = 15. Deployments 2.
    "*" 30d: 2, 3, 3, 4, 8, 10, 20 → p50 at 3: 4; p90 at 5.4: 10 + 0.4 × 10 = 14. Deployments 5.
    (Keeping a dropped value would move them: order-team 7d with −2 → p90 3 + 0.6 × 17 = 13.2; r1 at its
    own date → 7d p50 2.5.)
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    sq2 = squash(facts, 2, committed=[at(10, 6), at(10, 4)], opened=at(10, 7), merged=at(10, 11))
    d0 = facts.commit("d0", at(10, 12))
    facts.deployment(at(10, 12), ships=[sq2, d0])

    d1, d3 = facts.commit("d1", at(25, 10)), facts.commit("d3", at(25, 14))
    r0, r1 = facts.commit("r0", at(25, 9)), facts.commit("r1", at(25, 11.5))
    facts.pull_request(
        3,
        created_at=at(25, 10),
        merged_at=at(25, 11.5),
        merge_commit_sha=r1,
        commit_dates=[at(25, 9), at(25, 11.5)],
    )
    sq4 = squash(facts, 4, committed=[at(24, 16)], opened=at(24, 18), merged=at(25, 11))
    facts.deployment(at(25, 12), ships=[d1, d3, r0, r1, sq4])

    sq5 = squash(facts, 5, committed=[at(25, 20)], opened=at(25, 21), merged=at(25, 23), repo=PAY_REPO)
    p1 = facts.commit("p1", at(26), repo=PAY_REPO)
    p2 = facts.commit("p2", at(26, 5), repo=PAY_REPO)
    p3 = facts.commit("p3", at(25, 14), repo=PAY_REPO)
    facts.deployment(at(26), ships=[sq5, p1, p2, p3], repo=PAY_REPO)

    got = run(facts, (ORDERS, PAY))
    check(got[TEAM, "7d"], deployments=1, lead_time_hours_p50=3.0, lead_time_hours_p90=14.9)
    check(got[TEAM, "30d"], deployments=3, lead_time_hours_p50=3.0, lead_time_hours_p90=15.2)
    check(got[PAY_TEAM, "7d"], deployments=1, lead_time_hours_p50=7.0, lead_time_hours_p90=9.4)
    check(got[PAY_TEAM, "30d"], deployments=2, lead_time_hours_p50=7.0, lead_time_hours_p90=9.4)
    check(got["*", "7d"], deployments=2, lead_time_hours_p50=3.5, lead_time_hours_p90=15.0)
    check(got["*", "30d"], deployments=5, lead_time_hours_p50=4.0, lead_time_hours_p90=14.0)


# -- 2. a PR merged before as_of, deployed after it (a failed attempt in between) ----------------------------


def test_pull_request_merged_before_as_of_but_deployed_after_it_is_not_deployed_yet(facts: Facts) -> None:
    """First deployment 06-01. PR #2 (commit 06-27 00:00, opened 02:00, bob 03:00, merged 06:00) ships
    with D2 (06-28 06:00): coding 2, pickup 1, review 3, deploy 24; lead 06-27 00:00 → 06-28 06:00 = 30.
    PR #1 (commit 06-29 00:00, opened 01:00, no review, merged 20:00): a deployment of it fails (never
    reaches success: no deployment), then D3 deploys it at 06-30 02:00: coding 1, deploy 6; lead 26.

    As of 06-30 00:00 (and 01:59:59): D3 has not happened; PR #1 is merged but deployed by nothing yet.
    7d: deployments 1; lead 30 / 30; breakdown 2 / 1 / 3 / 24. 30d: deployments 2 (D1, D2), same.
    As of 06-30 02:00 (D3 exactly at as_of: in): 7d = (06-23 02:00, …]: D2, D3 → deployments 2; leads 26,
    30 → p50 28, p90 26 + 0.9 × 4 = 29.6; breakdown coding (2, 1) 1.5, pickup 1, review 3, deploy (24, 6)
    15. 30d: deployments 3, the same lead and breakdown.
    """
    first(facts)
    sq2 = squash(
        facts, 2, committed=[at(27)], opened=at(27, 2), merged=at(27, 6), reviews=[Review("bob", at(27, 3))]
    )
    facts.deployment(at(28, 6), ships=[sq2])
    sq1 = squash(facts, 1, committed=[at(29)], opened=at(29, 1), merged=at(29, 20))
    facts.deployment(None, sha=sq1)
    facts.deployment(at(30, 2), ships=[sq1])

    for as_of in (at(30), at(30, 2) - SECOND):
        got = run(facts, as_of=as_of)
        for window, deployments in (("7d", 1), ("30d", 2)):
            check(
                got[TEAM, window],
                deployments=deployments,
                lead_time_hours_p50=30.0,
                lead_time_hours_p90=30.0,
                lead_time_breakdown_hours_p50=stages(2.0, 1.0, 3.0, 24.0),
            )
    got = run(facts, as_of=at(30, 2))
    for window, deployments in (("7d", 2), ("30d", 3)):
        check(
            got[TEAM, window],
            deployments=deployments,
            lead_time_hours_p50=28.0,
            lead_time_hours_p90=29.6,
            lead_time_breakdown_hours_p50=stages(1.5, 1.0, 3.0, 15.0),
        )


# -- 3. first reviews: the author's own, PENDING, at the merge, after it; even-count medians -----------------


def test_first_review_rules_with_even_counts_in_a_diverged_deployment(facts: Facts) -> None:
    """All squashes start at 06-25 00:00 and ship together with D2 (06-26 12:00, compare ``diverged``: a
    deployment with changes).
    PR #21 (alice): opened 01:00; bob requests changes 02:00, carol approves 04:00; merged 05:00 →
      coding 1, pickup 1, review 3, deploy 31.
    PR #22 (alice): opened 02:00; alice approves 02:30 (her own), bob's review is PENDING at 03:00, dave
      comments exactly at the merge, 06:00 (at or before the merge: the first review) → coding 2, pickup 4,
      review 0 (kept), deploy 30.
    PR #23 (alice): opened 04:00; alice comments 05:00 (her own), bob approves 09:00, after the merge at
      08:00 → no first review: coding 4, deploy 28, no pickup, no review.
    PR #24 (erin): opened 03:00; erin comments 03:30 (her own); alice comments 05:00 (someone other than
      this PR's author: the first review); merged 10:00 → coding 3, pickup 2, review 5, deploy 26.
    PR #25 (bob): opened 06:00; bob comments 07:00 (his own); carol's review 09:00, later dismissed (a
      submitted review); merged 11:00 → coding 6, pickup 3, review 2, deploy 25.
    Medians: coding (1, 2, 4, 3, 6) → 3; pickup (1, 4, 2, 3) → 2.5; review (3, 0, 5, 2) → 2.5; deploy (31,
    30, 28, 26, 25) → 28. Leads: five squashes from 06-25 00:00 to 06-26 12:00 = 36 → p50 = p90 = 36.
    7d: deployments 1; 30d: 2 (D1). (Bob's PENDING review counted would give pickup 1.5 and review 3;
    the 0 review dropped, review 3.)
    """
    first(facts)
    start = at(25)
    shas = [
        squash(
            facts,
            21,
            committed=[start],
            opened=at(25, 1),
            merged=at(25, 5),
            reviews=[Review("bob", at(25, 2), "CHANGES_REQUESTED"), Review("carol", at(25, 4))],
        ),
        squash(
            facts,
            22,
            committed=[start],
            opened=at(25, 2),
            merged=at(25, 6),
            reviews=[
                Review("alice", at(25, 2.5)),
                Review("bob", at(25, 3), "PENDING"),
                Review("dave", at(25, 6), "COMMENTED"),
            ],
        ),
        squash(
            facts,
            23,
            committed=[start],
            opened=at(25, 4),
            merged=at(25, 8),
            reviews=[Review("alice", at(25, 5), "COMMENTED"), Review("bob", at(25, 9))],
        ),
        squash(
            facts,
            24,
            committed=[start],
            opened=at(25, 3),
            merged=at(25, 10),
            author="erin",
            reviews=[Review("erin", at(25, 3.5), "COMMENTED"), Review("alice", at(25, 5), "COMMENTED")],
        ),
        squash(
            facts,
            25,
            committed=[start],
            opened=at(25, 6),
            merged=at(25, 11),
            author="bob",
            reviews=[Review("bob", at(25, 7), "COMMENTED"), Review("carol", at(25, 9), "DISMISSED")],
        ),
    ]
    facts.deployment(at(26, 12), ships=shas, compare="diverged")

    got = run(facts)
    for window, deployments in (("7d", 1), ("30d", 2)):
        check(
            got[TEAM, window],
            deployments=deployments,
            lead_time_hours_p50=36.0,
            lead_time_hours_p90=36.0,
            lead_time_breakdown_hours_p50=stages(3.0, 2.5, 2.5, 28.0),
        )


# -- 4. merged_prs: deploy stages of exactly 0, a negative coding stage, a PR without collected commits ---


def test_merged_prs_source_keeps_zero_deploy_stages_beside_dropped_and_unknown_coding(facts: Facts) -> None:
    """acme/orders deploys on merge (source ``merged_prs``: each merge is a deployment at merged_at).
    First deployment 06-01 (compare ``first``).
    PR #1: opened 06-20 08:00, its only commit authored 10:00 (after the opening: coding −2, dropped); bob
      09:00 → pickup 1; merged 12:00 → review 3; deployed at 12:00 → deploy 0 (kept). Lead: the squash
      starts at the PR's earliest commit 10:00 → 2.
    PR #2: no commit collected (coding unknown); opened 06-21 00:00; carol 01:00 → pickup 1; merged 05:00
      → review 4; deploy 0. Its squash commit is authored 04:00; with no PR commit to take the earliest
      of, it starts at its own author date ("else the commit's own author date") → lead 1.
    PR #3: commit 06-22 00:00, opened 02:00, no review, merged 06:00 → coding 2, deploy 0; lead 6.
    30d: deployments 4; leads 1, 2, 6 → p50 2, p90 at 1.8: 2 + 0.8 × 4 = 5.2; breakdown coding 2 (only
    PR #3), pickup (1, 1) 1, review (3, 4) 3.5, deploy (0, 0, 0) 0.0 — a number, not null.
    7d: nothing deployed → deployments 0, leads null, breakdown all null.
    """
    facts.deployment(at(1), compare="first", sha=FIRST_SHA, source="merged_prs")
    sq1 = squash(
        facts,
        1,
        committed=[at(20, 10)],
        opened=at(20, 8),
        merged=at(20, 12),
        reviews=[Review("bob", at(20, 9))],
    )
    facts.deployment(at(20, 12), ships=[sq1], source="merged_prs")
    sq2 = squash(
        facts,
        2,
        committed=[],
        opened=at(21),
        merged=at(21, 5),
        authored=at(21, 4),
        reviews=[Review("carol", at(21, 1))],
    )
    facts.deployment(at(21, 5), ships=[sq2], source="merged_prs")
    sq3 = squash(facts, 3, committed=[at(22)], opened=at(22, 2), merged=at(22, 6))
    facts.deployment(at(22, 6), ships=[sq3], source="merged_prs")

    got = run(facts, (MERGED_PRS,))
    check(
        got[TEAM, "30d"],
        deployments=4,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=5.2,
        lead_time_breakdown_hours_p50=stages(2.0, 1.0, 3.5, 0.0),
    )
    check(
        got[TEAM, "7d"],
        deployments=0,
        lead_time_hours_p50=None,
        lead_time_hours_p90=None,
        lead_time_breakdown_hours_p50=NO_BREAKDOWN,
    )


# -- 5. a PR whose earliest commit is after its deployment: no lead, yet its other stages count --------------


def test_pull_request_with_a_lead_dropped_still_counts_in_the_breakdown(facts: Facts) -> None:
    """First deployment 06-01. PR #1: opened 06-20 08:00, its only commit authored 14:00 (clock skew),
    bob 09:00, merged 10:00 (squash authored 10:00); D2 (06-20 12:00) ships the squash and d1 (a direct
    push of 08:00 → 4 h). The squash starts at the PR's earliest commit, 14:00 (§5.2, not its own 10:00):
    lead −2, dropped. Breakdown of PR #1: coding −6 dropped, pickup 1, review 1, deploy 2 (all kept).
    PR #2 (commit 06-24 00:00, opened 04:00, no review, merged 12:00) ships with D3 (06-25 00:00): coding
    4, deploy 12, lead 24.
    7d: D3 → deployments 1, lead 24 / 24, breakdown 4 / null / null / 12.
    30d: deployments 3; leads 4, 24 → p50 14, p90 4 + 0.9 × 20 = 22; breakdown coding 4, pickup 1,
    review 1, deploy (2, 12) 7. (Taking the squash's own date would add a lead of 2 → p50 4.)
    """
    first(facts)
    sq1 = squash(
        facts,
        1,
        committed=[at(20, 14)],
        opened=at(20, 8),
        merged=at(20, 10),
        reviews=[Review("bob", at(20, 9))],
    )
    d1 = facts.commit("d1", at(20, 8))
    facts.deployment(at(20, 12), ships=[sq1, d1])
    sq2 = squash(facts, 2, committed=[at(24)], opened=at(24, 4), merged=at(24, 12))
    facts.deployment(at(25), ships=[sq2])

    got = run(facts)
    check(
        got[TEAM, "7d"],
        deployments=1,
        lead_time_hours_p50=24.0,
        lead_time_hours_p90=24.0,
        lead_time_breakdown_hours_p50=stages(4.0, None, None, 12.0),
    )
    check(
        got[TEAM, "30d"],
        deployments=3,
        lead_time_hours_p50=14.0,
        lead_time_hours_p90=22.0,
        lead_time_breakdown_hours_p50=stages(4.0, 1.0, 1.0, 7.0),
    )


# -- 6. PRs merged in a longer window, deployed in a shorter one: the deployment's window counts -------------


def test_breakdown_counts_each_pull_request_in_its_deployments_windows_not_its_merges(facts: Facts) -> None:
    """First deployment 03-01 (outside every window).
    PR #1: commit 05-20 00:00, opened 04:00, bob 05-21 04:00, merged 05-25 04:00 (before 30d), deployed
      06-05 04:00 (in 30d): coding 4, pickup 24, review 96, deploy 264; lead 388 (16 d 4 h).
    PR #2: commit 06-15 00:00, opened 02:00, no review, merged 06-20 02:00 (before 7d), deployed 06-24
      02:00 (in 7d): coding 2, deploy 96; lead 218 (9 d 2 h).
    PR #3: commit 06-25 00:00, opened 01:00, carol 03:00, merged 05:00, deployed 06:00: coding 1, pickup
      2, review 2, deploy 1; lead 6.
    7d: PR #2, PR #3 → deployments 2; leads 6, 218 → p50 112, p90 6 + 0.9 × 212 = 196.8; breakdown coding
      1.5, pickup 2, review 2, deploy 48.5.
    30d and 90d: all three → deployments 3; leads 6, 218, 388 → p50 218, p90 218 + 0.8 × 170 = 354;
      coding (4, 2, 1) 2, pickup (24, 2) 13, review (96, 2) 49, deploy (264, 96, 1) 96.
    """
    first(facts, day(3, 1))
    sq1 = squash(
        facts,
        1,
        committed=[day(5, 20)],
        opened=day(5, 20, 4),
        merged=day(5, 25, 4),
        reviews=[Review("bob", day(5, 21, 4))],
    )
    facts.deployment(at(5, 4), ships=[sq1])
    sq2 = squash(facts, 2, committed=[at(15)], opened=at(15, 2), merged=at(20, 2))
    facts.deployment(at(24, 2), ships=[sq2])
    sq3 = squash(
        facts, 3, committed=[at(25)], opened=at(25, 1), merged=at(25, 5), reviews=[Review("carol", at(25, 3))]
    )
    facts.deployment(at(25, 6), ships=[sq3])

    got = run(facts, windows=(W7, W30, W90))
    check(
        got[TEAM, "7d"],
        deployments=2,
        lead_time_hours_p50=112.0,
        lead_time_hours_p90=196.8,
        lead_time_breakdown_hours_p50=stages(1.5, 2.0, 2.0, 48.5),
    )
    for window in ("30d", "90d"):
        check(
            got[TEAM, window],
            deployments=3,
            lead_time_hours_p50=218.0,
            lead_time_hours_p90=354.0,
            lead_time_breakdown_hours_p50=stages(2.0, 13.0, 49.0, 96.0),
        )


# -- 7. the same merge commit sha (and PR number) in two repositories of two teams --------------------------


def test_same_merge_commit_sha_in_two_repositories_stays_with_each_repository(facts: Facts) -> None:
    """A mirrored squash commit S has the same sha in acme/orders and acme/pay, each the merge commit of
    its repo's PR #7 (first deployments 06-01).
    acme/orders PR #7: commit 06-20 00:00, opened 02:00, bob 03:00, merged 06:00; D (10:00) ships S:
      coding 2, pickup 1, review 3, deploy 4; lead 10.
    acme/pay PR #7: commit 06-21 00:00, opened 04:00, no review, merged 12:00; D (06-22 00:00) ships S:
      coding 4, deploy 12; lead 24. acme/pay PR #8: commit 06-22 00:00, opened 01:00, carol 02:00, merged
      03:00; D (09:00): coding 1, pickup 1, review 1, deploy 6; lead 9.
    30d order-team: deployments 2; lead 10 / 10; breakdown 2 / 1 / 3 / 4.
    30d payments: deployments 3; leads 9, 24 → p50 16.5, p90 9 + 0.9 × 15 = 22.5; breakdown coding (4, 1)
      2.5, pickup 1, review 1, deploy (12, 6) 9.
    30d "*": deployments 5; leads 9, 10, 24 → p50 10, p90 10 + 0.8 × 14 = 21.2; coding (2, 4, 1) 2, pickup
      (1, 1) 1, review (3, 1) 2, deploy (4, 12, 6) 6.
    (Matching a PR to a merge commit of the other repo would give each S two PRs.)
    """
    first(facts)
    first(facts, repo=PAY_REPO)
    shared = sha("mirrored-squash")
    s_orders = squash(
        facts,
        7,
        committed=[at(20)],
        opened=at(20, 2),
        merged=at(20, 6),
        reviews=[Review("bob", at(20, 3))],
        merge_sha=shared,
    )
    facts.deployment(at(20, 10), ships=[s_orders])
    s_pay = squash(
        facts, 7, committed=[at(21)], opened=at(21, 4), merged=at(21, 12), repo=PAY_REPO, merge_sha=shared
    )
    facts.deployment(at(22), ships=[s_pay], repo=PAY_REPO)
    sq8 = squash(
        facts,
        8,
        committed=[at(22)],
        opened=at(22, 1),
        merged=at(22, 3),
        reviews=[Review("carol", at(22, 2))],
        repo=PAY_REPO,
    )
    facts.deployment(at(22, 9), ships=[sq8], repo=PAY_REPO)

    got = run(facts, (ORDERS, PAY), windows=(W30,))
    check(
        got[TEAM, "30d"],
        deployments=2,
        lead_time_hours_p50=10.0,
        lead_time_hours_p90=10.0,
        lead_time_breakdown_hours_p50=stages(2.0, 1.0, 3.0, 4.0),
    )
    check(
        got[PAY_TEAM, "30d"],
        deployments=3,
        lead_time_hours_p50=16.5,
        lead_time_hours_p90=22.5,
        lead_time_breakdown_hours_p50=stages(2.5, 1.0, 1.0, 9.0),
    )
    check(
        got["*", "30d"],
        deployments=5,
        lead_time_hours_p50=10.0,
        lead_time_hours_p90=21.2,
        lead_time_breakdown_hours_p50=stages(2.0, 1.0, 2.0, 6.0),
    )


# -- 8. another deployment source of the same repo, with colliding deployment ids --------------------------


def test_another_source_of_the_same_repo_is_ignored_even_with_the_same_deployment_ids(facts: Facts) -> None:
    """acme/orders is configured with source ``deployments``. Its GitHub Deployments: 5001 (06-01, compare
    ``first``) and 5002 (06-20 12:00) shipping PR #1's squash (commit 06-20 00:00, opened 02:00, bob 04:00,
    merged 08:00): coding 2, pickup 2, review 4, deploy 4; lead 12.
    The repo's ``workflow_runs`` also succeed (another source: not counted, takes part in nothing): run
    5002 (06-20 09:00, its first, compare ``first``) at the squash commit, and run 5003 (06-21 00:00) with
    a direct push of 06-20 20:00.
    30d: deployments 2; lead 12 / 12; breakdown 2 / 2 / 4 / 4. (Counting the runs: 4 deployments and a
    lead of 4; confusing run 5002, a ``first``, with deployment 5002 would take PR #1's deploy stage.)
    7d: nothing → 0, nulls.
    """
    facts.deployment(at(1), compare="first", sha=FIRST_SHA, deployment_id=5001)
    sq1 = squash(
        facts, 1, committed=[at(20)], opened=at(20, 2), merged=at(20, 8), reviews=[Review("bob", at(20, 4))]
    )
    facts.deployment(at(20, 9), compare="first", sha=sq1, source="workflow_runs", deployment_id=5002)
    facts.deployment(at(20, 12), ships=[sq1], deployment_id=5002)
    w1 = facts.commit("w1", at(20, 20))
    facts.deployment(at(21), ships=[w1], source="workflow_runs", deployment_id=5003)

    got = run(facts)
    for team in (TEAM, "*"):
        check(
            got[team, "30d"],
            deployments=2,
            lead_time_hours_p50=12.0,
            lead_time_hours_p90=12.0,
            lead_time_breakdown_hours_p50=stages(2.0, 2.0, 4.0, 4.0),
        )
        check(
            got[team, "7d"],
            deployments=0,
            lead_time_hours_p50=None,
            lead_time_hours_p90=None,
            lead_time_breakdown_hours_p50=NO_BREAKDOWN,
        )


# -- 9. a rollback onto a PR's merge commit from before the collected history ------------------------------


def test_rollback_onto_a_merge_commit_from_before_the_history_deploys_no_pull_request(facts: Facts) -> None:
    """PR #0 (commit 05-29 00:00, opened 02:00, bob 03:00, merged 05-30 00:00) is squash-merged as m0,
    before the collected history. D1 (06-01, compare ``first``) is at f1 (05-31 12:00, a descendant of
    m0). PR #1 (commit 06-10 00:00, opened 01:00, no review, merged 02:00) ships with D2 (04:00): coding 1,
    deploy 2, lead 4. D3 (06-11 00:00) rolls back to m0 (``behind``: lists no commit). PR #2 (commit 06-12
    00:00, opened 02:00, carol 03:00, merged 04:00), merged while the rollback is in effect, ships with D4
    (08:00), whose compare(m0...sq2) lists f1 (D1's), sq1 (D2's) and sq2: coding 2, pickup 1, review 1,
    deploy 4; D4's only change is sq2: lead 8.
    PR #0 is deployed by nobody: the rollback's compare contains no commit, and m0 is listed by none
    ("A PR is deployed by the first deployment with a known compare … whose compare contains the PR's
    merge commit").
    30d: deployments 4; leads 4, 8 → p50 6, p90 4 + 0.9 × 4 = 7.6; breakdown coding (1, 2) 1.5, pickup 1,
    review 1, deploy (2, 4) 3; D2 failed by the rollback: 1/4; rework (the rollback) 1/4.
    (PR #0 counted at D3 would add coding 2, pickup 1, review 21, deploy 48: coding 2, review 11.)
    """
    m0 = squash(
        facts,
        0,
        committed=[day(5, 29)],
        opened=day(5, 29, 2),
        merged=day(5, 30),
        reviews=[Review("bob", day(5, 29, 3))],
    )
    f1 = facts.commit(FIRST_SHA, day(5, 31, 12))
    first(facts, head=f1)
    sq1 = squash(facts, 1, committed=[at(10)], opened=at(10, 1), merged=at(10, 2))
    facts.deployment(at(10, 4), ships=[sq1])
    facts.deployment(at(11), sha=m0, compare="behind")
    sq2 = squash(
        facts, 2, committed=[at(12)], opened=at(12, 2), merged=at(12, 4), reviews=[Review("carol", at(12, 3))]
    )
    facts.deployment(at(12, 8), ships=[f1, sq1, sq2])

    got = run(facts, windows=(W30,))
    check(
        got[TEAM, "30d"],
        deployments=4,
        lead_time_hours_p50=6.0,
        lead_time_hours_p90=7.6,
        lead_time_breakdown_hours_p50=stages(1.5, 1.0, 1.0, 3.0),
        change_failure_rate=0.25,
        rework_rate=0.25,
    )


# -- 10. staging ships a PR first (outside 7d), production later (inside 7d) --------------------------------


def test_production_not_staging_decides_the_window_a_pull_request_is_deployed_in(facts: Facts) -> None:
    """acme/orders, production: first deployment 06-01; staging: its first 06-01 (compare ``first``).
    PR #1 (commit 06-19 00:00, opened 02:00, bob 04:00, merged 06-20 00:00): staging ships it at 06-20
    06:00 (outside 7d), production D2 at 06-24 00:00 (inside): coding 2, pickup 2, review 20, deploy 96
    (not staging's 6); lead 06-19 00:00 → 06-24 00:00 = 120 (not 30).
    A direct push of 06-22 00:00 goes to staging at 06-22 12:00 and to production with D3 at 06-26 00:00:
    lead 96 (not 12).
    7d: D2, D3 → deployments 2; leads 96, 120 → p50 108, p90 96 + 0.9 × 24 = 117.6; breakdown 2 / 2 / 20
    / 96. 30d: deployments 3, the same.
    """
    first(facts)
    facts.deployment(at(1), compare="first", sha=sha("staging-first"), environment="staging")
    sq1 = squash(
        facts, 1, committed=[at(19)], opened=at(19, 2), merged=at(20), reviews=[Review("bob", at(19, 4))]
    )
    facts.deployment(at(20, 6), ships=[sq1], environment="staging")
    d1 = facts.commit("d1", at(22))
    facts.deployment(at(22, 12), ships=[d1], environment="staging")
    facts.deployment(at(24), ships=[sq1])
    facts.deployment(at(26), ships=[d1])

    got = run(facts)
    for window, deployments in (("7d", 2), ("30d", 3)):
        check(
            got[TEAM, window],
            deployments=deployments,
            lead_time_hours_p50=108.0,
            lead_time_hours_p90=117.6,
            lead_time_breakdown_hours_p50=stages(2.0, 2.0, 20.0, 96.0),
        )


# -- 11. one team, two repositories with the same PR number; an unmerged PR naming a shipped commit ---------


def test_one_team_pools_same_numbered_pull_requests_of_two_repositories(facts: Facts) -> None:
    """order-team owns acme/orders and acme/billing (first deployments 06-01), each with a PR #1 (same
    review ids too).
    acme/orders PR #1: commit 06-24 00:00, opened 01:00, bob 02:00, merged 04:00; D (06-24 06:00): coding
      1, pickup 1, review 2, deploy 2; lead 6. The same deployment ships d9, a direct push authored 03:00,
      which open PR #9 (never merged, commit 06-20 00:00) names as its merge_commit_sha: a PR that is not
      merged is no merged PR, so d9 starts at its own date → lead 3 (not 78), and PR #9 is in no median.
    acme/billing PR #1: commit 06-25 00:00, opened 03:00, carol 06:00, merged 10:00; D (06-25 14:00):
      coding 3, pickup 3, review 4, deploy 4; lead 14.
    7d: deployments 2; leads 3, 6, 14 → p50 6, p90 6 + 0.8 × 8 = 12.4; breakdown coding (1, 3) 2, pickup
    (1, 3) 2, review (2, 4) 3, deploy (2, 4) 3. 30d: deployments 4, the same.
    """
    first(facts)
    first(facts, repo=BILLING_REPO)
    sq1 = squash(
        facts, 1, committed=[at(24)], opened=at(24, 1), merged=at(24, 4), reviews=[Review("bob", at(24, 2))]
    )
    d9 = facts.commit("d9", at(24, 3))
    facts.pull_request(9, created_at=at(24), merged_at=None, merge_commit_sha=d9, commit_dates=[at(20)])
    facts.deployment(at(24, 6), ships=[sq1, d9])
    sqb = squash(
        facts,
        1,
        committed=[at(25)],
        opened=at(25, 3),
        merged=at(25, 10),
        reviews=[Review("carol", at(25, 6))],
        repo=BILLING_REPO,
    )
    facts.deployment(at(25, 14), ships=[sqb], repo=BILLING_REPO)

    got = run(facts, (ORDERS, BILLING))
    for team in (TEAM, "*"):
        for window, deployments in (("7d", 2), ("30d", 4)):
            check(
                got[team, window],
                deployments=deployments,
                lead_time_hours_p50=6.0,
                lead_time_hours_p90=12.4,
                lead_time_breakdown_hours_p50=stages(2.0, 2.0, 3.0, 3.0),
            )


# -- 12. a rebase merge shipped over two deployments in two windows ------------------------------------------


def test_rebase_merge_split_over_windows_counts_its_pull_request_with_its_last_commit(facts: Facts) -> None:
    """First deployment 06-01. PR #3 (commits 06-20 00:00 and 06-21 00:00, opened 06-21 02:00, bob 04:00,
    merged 06-22 02:00) is rebase-merged as r0, r1 (author dates kept; r1, the last, is the merge commit).
    D2 (06-22 12:00, outside 7d) deploys main~1 = r0; D3 (06-24 00:00, inside 7d) ships r1.
    Leads: r0 its own date → 60 h; r1 the PR's earliest, 06-20 00:00 → 96 h (not its own 72).
    PR #3 is deployed by D3 (which shipped its merge commit): coding 26, pickup 2, review 22, deploy 46.
    7d: deployments 1; lead 96 / 96; breakdown 26 / 2 / 22 / 46.
    30d: deployments 3; leads 60, 96 → p50 78, p90 60 + 0.9 × 36 = 92.4; breakdown the same (PR #3 once).
    """
    first(facts)
    r0, r1 = facts.commit("r0", at(20)), facts.commit("r1", at(21))
    facts.pull_request(
        3,
        created_at=at(21, 2),
        merged_at=at(22, 2),
        merge_commit_sha=r1,
        commit_dates=[at(20), at(21)],
        reviews=[Review("bob", at(21, 4))],
    )
    facts.deployment(at(22, 12), ships=[r0])
    facts.deployment(at(24), ships=[r1])

    got = run(facts)
    check(
        got[TEAM, "7d"],
        deployments=1,
        lead_time_hours_p50=96.0,
        lead_time_hours_p90=96.0,
        lead_time_breakdown_hours_p50=stages(26.0, 2.0, 22.0, 46.0),
    )
    check(
        got[TEAM, "30d"],
        deployments=3,
        lead_time_hours_p50=78.0,
        lead_time_hours_p90=92.4,
        lead_time_breakdown_hours_p50=stages(26.0, 2.0, 22.0, 46.0),
    )
