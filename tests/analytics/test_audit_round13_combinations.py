"""Audit, round 13: where two or more rules of SPEC §4–§6 meet, in combinations the earlier rounds do not
put together. Every expected number is worked out by hand from the SPEC in the comments beside it.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise; window 30d =
(05-31 00:00, 06-30 00:00], 7d = (06-23 00:00, 06-30 00:00]; attribution window 24 h; benchmarks
dora-2023. Team ``order-team`` owns acme/orders (service ``orders``) and PagerDuty service P1; team
``payments`` owns acme/pay (service ``pay``) and P2; acme/stray belongs to nobody (team ``unowned``)
(tests/analytics/scenario.py). Each repo's first deployment (06-01, compare ``first``) counts and has
unknown changes. Everything goes through ``compute_metrics``, the code ``doraspace metrics`` runs, on
both backends.

SPEC sentences leaned on:

* §5.2 "D's changes are the non-merge commits … in compare(P.sha...D.sha) that no earlier deployment
  shipped"; "The first deployment in the collected history has unknown changes"; "If D.sha is an
  ancestor of P.sha (compare status behind), D is a rollback"; a change's start is "the earliest author
  date among the commits of the merged PR whose merge_commit_sha is the change's sha (…; for a rebase
  merge only its last commit), else the commit's own author date".
* §6 "A window Nd ending at as_of is the half-open interval (as_of − N days, as_of]"; "Medians and p90 are
  percentile_cont (linear interpolation)"; "The organisation row "*" covers everything collected, team
  unowned included".
* §6.1 rules 1–4 (explicit: "begins the sha of a change of F"; rollback; revert: "a later deployment
  contains a commit whose message says This reverts commit <sha> for a change of F"; window: "an incident
  with no explicit link … F is the latest deployment of that service before the incident started").
* §6.2 recovery "over failed deployments in the window that have recovered by as_of: from F.deployed_at
  to the earliest of the resolution of an incident that failed it (explicit/window) and the deployed_at of
  its rollback or revert deployment"; rework "a rollback, contains a revert commit, contains a change from
  a PR labelled with a rework.labels label, or was deployed while an incident of its service was open".

Readings of docs/metrics.md used: rule 3 needs a later deployment "of the same repository" shipping the
revert "as one of its changes" (so a revert shipped by staging, or by another repository, fails nothing
there); the first deployment's and an ``unknown`` compare's own commits are never changes; "A change
belongs to a PR when it is one of the PR's commits or the commit its squash or rebase merge produced. A
merge commit is no change".

percentile_cont of n sorted values v0 … v(n−1) at fraction p: rank r = p × (n − 1); value v⌊r⌋ + (r − ⌊r⌋)
× (v⌊r⌋+1 − v⌊r⌋).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from analytics.ownership import RepoScope
from store import schema
from store.timeutil import to_db
from store.upsert import upsert
from tests.analytics.facts import (
    AS_OF,
    PRODUCTION,
    REPO,
    SOURCE,
    Facts,
    Review,
    add_incident,
    add_label,
    at,
    sha,
)
from tests.analytics.scenario import (
    FIRST_SHA,
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    REWORK_LABELS,
    STRAY,
    STRAY_REPO,
    TEAM,
    W7,
    W30,
    approx,
    check,
    failed,
    failed_recovered,
    first,
    rollback,
    rows,
    run,
    ship,
)

WEB_REPO = "acme/orders-web"
# A second repository of the service "orders" (a Backstage component spanning two repos), same team.
WEB = RepoScope(repo=WEB_REPO, team=TEAM, source=SOURCE, environment=PRODUCTION, service="orders")


def pull_request_commits(facts: Facts, number: int, commits: Sequence[tuple[str, datetime]]) -> None:
    """The PR's commits with real (hex) shas, as GitHub lists them: an incident can then name one."""
    with facts.engine.begin() as conn:
        upsert(
            conn,
            schema.pull_request_commits,
            [
                {"repo": REPO, "number": number, "sha": commit_sha, "author_date": to_db(when), "position": i}
                for i, (commit_sha, when) in enumerate(commits)
            ],
        )


# -- 1. a revert shipped to staging first, then to production, while a window incident is open ------------


def test_revert_shipped_to_staging_first_fails_its_target_only_when_production_ships_it(facts: Facts) -> None:
    first(facts)
    facts.deployment(at(1), compare="first", environment="staging", sha=sha("staging-first"))
    c2 = sha("c2")
    d2 = ship(facts, at(10), [("c2", at(9, 20))])  # production, lead 4 h
    revert = f'Revert "c2"\n\nThis reverts commit {c2[:7]}.'
    # Staging ships the revert first (12:00): staging counts for nothing (§5.1 "only the production
    # environment counts").
    ship(facts, at(10, 12), [("r", at(10, 10), revert)], environment="staging")
    # I1 (P1 → service orders) at 11:00: production's latest deployment of "orders" before it is D2,
    # 11 h earlier: window → D2. Open until 20:00.
    add_incident(facts, "I1", at(10, 11), resolved_at=at(10, 20))
    d3 = facts.deployment(at(10, 16), ships=[sha("r")])  # production ships r: its change, lead 6 h

    # As of 06-10 14:00 (the staging revert deployed, the production one not yet): D2 failed by the
    # window only; I1 still open and no production revert: no recovery. 30d (05-11 14:00, 06-10 14:00]:
    # D1, D2 → CFR 1/2; rework 0 (nothing was deployed while I1 was open); lead 4 h.
    early = run(facts, as_of=at(10, 14))
    assert failed_recovered(early) == {d2: (("window",), None)}
    check(
        rows(early)[TEAM, "30d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=4.0,
        incidents=1,
        time_to_restore_hours_p50=None,
    )

    # As of 06-30: D3 (16:00) is the later production deployment shipping the revert of c2 (D2's change):
    # revert → D2. D2 recovers at the earliest of I1's resolution (20:00) and D3 (16:00): 16 h.
    # D3 is rework twice over (a revert commit; deployed while I1 was open), counted once; it fails
    # nothing (no incident starts after it).
    result = run(facts)
    assert failed_recovered(result) == {d2: (("revert", "window"), at(10, 16))}
    assert d3 not in failed(result)
    # D1, D2, D3: CFR 1/3; rework 1/3; leads 4, 6 → p50 5, p90 4 + 0.9 × 2 = 5.8; restore I1 9 h.
    check(
        rows(result)[TEAM, "30d"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=16.0,
        rework_rate=1 / 3,
        lead_time_hours_p50=5.0,
        lead_time_hours_p90=5.8,
        incidents=1,
        time_to_restore_hours_p50=9.0,
        time_to_restore_hours_p90=9.0,
    )


# -- 2. explicit + window + rollback on one deployment, recovered only after as_of ----------------------


def test_explicit_window_and_rollback_on_one_deployment_recovered_only_after_as_of(facts: Facts) -> None:
    first(facts)
    g = ship(facts, at(20), [("g", at(19, 22))])  # G, lead 2 h
    r1 = rollback(facts, at(20, 3), FIRST_SHA)  # R1 rolls G back after 3 h
    f = ship(facts, at(29, 20), [("f", at(29, 14))])  # F 06-29 20:00, lead 6 h
    # I1 (no link) 21:00 → window F, resolved 06-30 02:00; I2 names f → explicit F, never resolved.
    add_incident(facts, "I1", at(29, 21), resolved_at=at(30, 2))
    add_incident(facts, "I2", at(29, 22), title=f"root cause: {sha('f')[:10]}")
    r2 = rollback(facts, at(30, 1), FIRST_SHA)  # R2 rolls F back, 06-30 01:00 (after the first as_of)

    # As of 06-30 00:00. 30d: D1, G, R1, F → 4; failed G (rollback, 3 h) and F (explicit, window; I1
    # resolves after as_of, I2 is open, R2 has not happened): CFR 2/4, recovery over G only: 3.
    # Rework: R1 (rollback) → 1/4. Incidents I1, I2 started; none resolved by as_of: restore null.
    # Leads 2, 6 → p50 4, p90 2 + 0.9 × 4 = 5.6.
    # 7d (06-23, 06-30]: F only → CFR 1/1; recovery null (F unrecovered); rework 0/1; lead 6.
    result = run(facts, windows=(W7, W30))
    assert failed_recovered(result) == {
        g: (("rollback",), at(20, 3)),
        f: (("explicit", "window"), None),
    }
    got = rows(result)
    check(
        got[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=3.0,
        rework_rate=0.25,
        incidents=2,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=4.0,
        lead_time_hours_p90=5.6,
    )
    check(
        got[TEAM, "7d"],
        deployments=1,
        change_failure_rate=1.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        incidents=2,
        time_to_restore_hours_p50=None,
        lead_time_hours_p50=6.0,
    )

    # As of 06-30 03:00. F is failed by all three (explicit I2, window I1, rollback R2) and recovers at
    # the earliest of R2 (01:00) and I1 (02:00): 5 h. R2 is rework (a rollback, and deployed while I1 and
    # I2 were open), once; nothing starts after it.
    # 30d (05-31 03:00, 06-30 03:00]: D1, G, R1, F, R2 → 5; CFR 2/5; recovery 3, 5 → 4; rework R1, R2 →
    # 2/5; restore I1 (21:00 → 02:00) 5 h. 7d (06-23 03:00, 06-30 03:00]: F, R2 → CFR 1/2; recovery 5;
    # rework 1/2.
    later = run(facts, windows=(W7, W30), as_of=at(30, 3))
    assert failed_recovered(later) == {
        g: (("rollback",), at(20, 3)),
        f: (("explicit", "rollback", "window"), at(30, 1)),
    }
    assert {r1, r2}.isdisjoint(failed(later))
    got = rows(later)
    check(
        got[TEAM, "30d"],
        deployments=5,
        change_failure_rate=0.4,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=0.4,
        incidents=2,
        time_to_restore_hours_p50=5.0,
    )
    check(
        got[TEAM, "7d"],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=5.0,
        rework_rate=0.5,
        incidents=2,
        time_to_restore_hours_p50=5.0,
    )


# -- 3. a revert shipped by the other repository of the same service ------------------------------------


def test_revert_from_the_other_repo_of_a_service_fails_nothing_but_is_the_windows_latest(
    facts: Facts,
) -> None:
    first(facts)
    first(facts, repo=WEB_REPO)
    c2 = sha("c2")
    d2 = ship(facts, at(10), [("c2", at(9, 21))])  # acme/orders, lead 3 h
    # acme/orders-web ships a commit saying it reverts c2 (a change of acme/orders): rule 3 wants a later
    # deployment of the same repository: D2 is not failed by it. W2 contains a revert commit: rework.
    w2 = ship(facts, at(10, 4), [("w-rv", at(10, 2), f"This reverts commit {c2}.")], repo=WEB_REPO)  # 2 h
    # I1 on P1 (service orders) 06:00: the service's latest deployment before it is W2 (04:00), not D2:
    # window → W2, recovered at 09:00: 5 h. Restore 3 h.
    add_incident(facts, "I1", at(10, 6), resolved_at=at(10, 9))
    result = run(facts, (ORDERS, WEB), (P1,))
    assert failed_recovered(result) == {w2: (("window",), at(10, 9))}
    assert d2 not in failed(result)
    # order-team: D1, Dweb1, D2, W2 → 4; CFR 1/4; recovery 5; rework W2 → 1/4; leads 3, 2 → p50 2.5,
    # p90 2 + 0.9 × 1 = 2.9.
    check(
        rows(result)[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=5.0,
        rework_rate=0.25,
        lead_time_hours_p50=2.5,
        lead_time_hours_p90=2.9,
        incidents=1,
        time_to_restore_hours_p50=3.0,
    )


# -- 4. an incident naming the first deployment's commit links nothing: the window fails the rollback ----


def test_incident_naming_the_first_deployments_commit_fails_the_rollback_by_the_window(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 23))])  # lead 1 h
    r3 = rollback(facts, at(10, 2), FIRST_SHA)  # rolls D2 back to D1's commit: D2 recovers after 2 h
    # I1 names D1's own commit, which is no change (the first deployment's changes are unknown): no
    # explicit link, so the window rule applies: the latest deployment of "orders" before 03:00 is the
    # rollback R3 (1 h before) → R3, recovered at 07:00: 5 h. (D2 is within 24 h but not the latest.)
    add_incident(facts, "I1", at(10, 3), resolved_at=at(10, 7), title=f"regression since {FIRST_SHA[:12]}")
    d4 = ship(facts, at(10, 5), [("c4", at(10, 4))])  # lead 1 h; deployed while I1 is open: rework
    result = run(facts)
    assert failed_recovered(result) == {
        d2: (("rollback",), at(10, 2)),
        r3: (("window",), at(10, 7)),
    }
    assert d4 not in failed(result)
    # D1, D2, R3, D4 → 4; CFR 2/4; recovery 2, 5 → 3.5; rework R3 (rollback), D4 (open incident) → 2/4;
    # leads 1, 1 → 1; restore 4 h.
    check(
        rows(result)[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=3.5,
        rework_rate=0.5,
        lead_time_hours_p50=1.0,
        lead_time_hours_p90=1.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
    )


# -- 5. percentiles with even counts and ties, per team and pooled for "*" with unowned ------------------


def test_even_counts_and_ties_per_team_and_for_the_organisation_with_unowned(facts: Facts) -> None:
    for repo in (REPO, PAY_REPO, STRAY_REPO):
        first(facts, repo=repo)
    # order-team: O2 ships a1, a2 (2 h each), rolled back 3 h later; O4 ships a3 (2 h), a4 (6 h), failed
    # by IA (window, 1 h later), resolved after 3 h (restore 2 h).
    o2 = ship(facts, at(10), [("a1", at(9, 22)), ("a2", at(9, 22))])
    rollback(facts, at(10, 3), FIRST_SHA)
    o4 = ship(facts, at(12), [("a3", at(11, 22)), ("a4", at(11, 18))])
    add_incident(facts, "IA", at(12, 1), resolved_at=at(12, 3))
    # payments: leads 1 h and 5 h, nothing failed.
    ship(facts, at(15), [("b1", at(14, 23))], repo=PAY_REPO)
    ship(facts, at(16), [("b2", at(15, 19))], repo=PAY_REPO)
    # unowned acme/stray: leads 2 h and 8 h; an incident issue of acme/stray 1 h after S3 fails it by the
    # window, resolved 5 h after S3 (restore 4 h).
    ship(facts, at(20), [("s1", at(19, 22))], repo=STRAY_REPO)
    s3 = ship(facts, at(21), [("s2", at(20, 16))], repo=STRAY_REPO)
    add_incident(facts, "acme/stray#1", at(21, 1), resolved_at=at(21, 5), source="github", service=STRAY_REPO)
    result = run(facts, (ORDERS, PAY, STRAY), (P1, P2))
    assert failed(result) == {o2: ("rollback",), o4: ("window",), s3: ("window",)}
    got = rows(result)
    # order-team: leads 2, 2, 2, 6 → p50 (r 1.5) 2, p90 (r 2.7) 2 + 0.7 × 4 = 4.8. Deployments D1, O2,
    # rollback, O4 → 4; CFR 2/4; recovery 3, 3 → 3; rework the rollback → 1/4. Bands: 4/30 per day is
    # below 1/7 but ≥ 1/30: medium; lead 2 h elite; 50 % low; recovery 3 h high.
    check(
        got[TEAM, "30d"],
        deployments=4,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=4.8,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=3.0,
        rework_rate=0.25,
        incidents=1,
        time_to_restore_hours_p50=2.0,
        bands={
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    )
    # payments: leads 1, 5 → p50 3, p90 1 + 0.9 × 4 = 4.6; 3 deployments, none failed.
    check(
        got[PAY_TEAM, "30d"],
        deployments=3,
        lead_time_hours_p50=3.0,
        lead_time_hours_p90=4.6,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.0,
        incidents=0,
    )
    # unowned: leads 2, 8 → p50 5, p90 2 + 0.9 × 6 = 7.4; 3 deployments, S3 failed (recovery 5 h).
    check(
        got["unowned", "30d"],
        deployments=3,
        lead_time_hours_p50=5.0,
        lead_time_hours_p90=7.4,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
    )
    # "*": every value once, unowned included. Leads 1, 2, 2, 2, 2, 5, 6, 8 → p50 (r 3.5) 2 + 0.5 × 0 = 2,
    # p90 (r 6.3) 6 + 0.3 × 2 = 6.6. Deployments 4 + 3 + 3 = 10; failed 3 → 0.3; recovery 3, 3, 5 → 3;
    # rework 1/10; incidents IA, stray#1 → 2; restore 2, 4 → p50 3, p90 2 + 0.9 × 2 = 3.8.
    # Bands: 10/30 ≥ 1/7 high; 2 h elite; 30 % low; recovery 3 h high.
    check(
        got["*", "30d"],
        deployments=10,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=6.6,
        change_failure_rate=0.3,
        failed_deployment_recovery_hours_p50=3.0,
        rework_rate=0.1,
        incidents=2,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.8,
        bands={
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    )


# -- 6. squash, rebase and direct changes deployed exactly on the 7d start, and a deployment at as_of ----


def test_squash_rebase_and_direct_changes_on_the_exclusive_week_start_and_at_as_of(facts: Facts) -> None:
    first(facts)
    edge = AS_OF - timedelta(days=7)  # 06-23 00:00: outside (06-23, 06-30], inside the 30d window
    assert edge == at(23)
    # PR 1, squash-merged as s1: commits 06-22 10:00 and 14:00, opened 15:00, bob reviews 17:00, merged
    # 20:00.
    s1 = facts.commit(sha("s1"), at(22, 20))
    facts.pull_request(
        1,
        created_at=at(22, 15),
        merged_at=at(22, 20),
        merge_commit_sha=s1,
        commit_dates=[at(22, 14), at(22, 10)],
        reviews=[Review("bob", at(22, 17))],
    )
    # PR 2, rebase-merged: rebased commits r2a (authored 06:00) and r2b (08:00, its merge_commit_sha);
    # opened 09:00, merged 21:00, no review.
    r2a = facts.commit(sha("r2a"), at(22, 6))
    r2b = facts.commit(sha("r2b"), at(22, 8))
    facts.pull_request(
        2,
        created_at=at(22, 9),
        merged_at=at(22, 21),
        merge_commit_sha=r2b,
        commit_dates=[at(22, 6), at(22, 8)],
    )
    d = facts.commit(sha("d"), at(22, 23))  # a direct push
    facts.deployment(edge, ships=[r2a, r2b, s1, d])
    # At as_of exactly: direct l1 (06-29 22:00) and PR 3 squash-merged as s3 (commit 12:00, opened 14:00,
    # carol comments 16:00, merged 20:00).
    l1 = facts.commit(sha("l1"), at(29, 22))
    s3 = facts.commit(sha("s3"), at(29, 20))
    facts.pull_request(
        3,
        created_at=at(29, 14),
        merged_at=at(29, 20),
        merge_commit_sha=s3,
        commit_dates=[at(29, 12)],
        reviews=[Review("carol", at(29, 16), "COMMENTED")],
    )
    facts.deployment(AS_OF, ships=[l1, s3])
    got = rows(run(facts, windows=(W7, W30)))
    # Edge deployment (06-23 00:00): s1 starts at PR 1's earliest commit (10:00): 14 h; r2a its own date:
    # 18 h; r2b, PR 2's merge commit, at PR 2's earliest commit (06:00): 18 h; d: 1 h.
    # As_of deployment: l1 2 h; s3 from PR 3's commit (12:00): 12 h.
    # 7d: the as_of deployment only → 1; leads 2, 12 → p50 7, p90 2 + 0.9 × 10 = 11. Breakdown PR 3:
    # coding 12:00 → 14:00 2, pickup 14:00 → 16:00 2, review 16:00 → 20:00 4, deploy 20:00 → 00:00 4.
    check(
        got[TEAM, "7d"],
        deployments=1,
        deployment_frequency_per_day=1 / 7,
        lead_time_hours_p50=7.0,
        lead_time_hours_p90=11.0,
        lead_time_breakdown_hours_p50={
            "coding": approx(2.0),
            "pickup": approx(2.0),
            "review": approx(4.0),
            "deploy": approx(4.0),
        },
    )
    # 30d: D1, edge, as_of → 3; leads 1, 2, 12, 14, 18, 18 → p50 (r 2.5) 12 + 0.5 × 2 = 13, p90 (r 4.5)
    # 18. Breakdown: PR 1 coding 10:00 → 15:00 5, pickup 2, review 3, deploy 20:00 → 00:00 4; PR 2 coding
    # 3, no review, deploy 21:00 → 00:00 3; PR 3 as above → coding 2, 3, 5 → 3; pickup 2, 2 → 2; review
    # 3, 4 → 3.5; deploy 3, 4, 4 → 4.
    check(
        got[TEAM, "30d"],
        deployments=3,
        deployment_frequency_per_day=0.1,
        lead_time_hours_p50=13.0,
        lead_time_hours_p90=18.0,
        lead_time_breakdown_hours_p50={
            "coding": approx(3.0),
            "pickup": approx(2.0),
            "review": approx(3.5),
            "deploy": approx(4.0),
        },
    )


# -- 7. a deployment GitHub could not compare: failed by the window, its commit reverted and named --------


def test_unknown_compare_deployment_failed_by_the_window_is_not_recovered_by_reverting_its_commit(
    facts: Facts,
) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])  # lead 2 h
    u = facts.commit(sha("u"), at(10, 5))
    u3 = facts.deployment(at(10, 6), sha=u, compare="unknown")  # changes unknown: u is no change
    # I1 08:00: the latest deployment of "orders" before it is U3 (2 h): window → U3. Resolved 12:00.
    add_incident(facts, "I1", at(10, 8), resolved_at=at(10, 12))
    # D4 10:00 ships rv reverting u: u is no change of anyone, so rule 3 fails nothing and D4 is no
    # recovery of U3; rv is a revert commit, and I1 is open: D4 is rework (once). Lead 1 h.
    d4 = ship(facts, at(10, 10), [("rv", at(10, 9), f"This reverts commit {u}.")])
    # I2 11:00 names u: no change begins with it, so no explicit link; the window: the latest before it
    # is D4 (1 h) → D4, resolved 13:00: 3 h.
    add_incident(facts, "I2", at(10, 11), resolved_at=at(10, 13), title=f"still failing after {u[:9]}")
    result = run(facts)
    # U3 recovers at I1's resolution (12:00): 6 h (reading u as a change would make it D4, 4 h).
    assert failed_recovered(result) == {
        u3: (("window",), at(10, 12)),
        d4: (("window",), at(10, 13)),
    }
    assert d2 not in failed(result)
    # D1, D2, U3, D4 → 4; CFR 2/4; recovery 3, 6 → 4.5; rework D4 → 1/4; leads 2, 1 → p50 1.5, p90 1.9;
    # incidents 2; restore 4, 2 → p50 3, p90 2 + 0.9 × 2 = 3.8.
    check(
        rows(result)[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=4.5,
        rework_rate=0.25,
        lead_time_hours_p50=1.5,
        lead_time_hours_p90=1.9,
        incidents=2,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.8,
    )


# -- 8. a hotfix deployed from its diverged branch, merged back with a merge commit, then named ----------


def test_hotfix_named_after_its_merge_back_fails_the_branch_deployment_not_the_merge_deployment(
    facts: Facts,
) -> None:
    first(facts)
    ship(facts, at(5), [("c2", at(4, 22))])  # D2 on main, lead 2 h
    # PR #5 (label hotfix): branch commit h (authored 06-10 01:00) on a branch cut from D1's commit,
    # opened 01:30, reviewed by bob 02:30, merged with a merge commit m5 at 06:00.
    h = facts.commit(sha("h"), at(10, 1))
    facts.pull_request(
        5,
        created_at=at(10, 1.5),
        merged_at=at(10, 6),
        merge_commit_sha=sha("m5"),
        reviews=[Review("bob", at(10, 2.5))],
    )
    pull_request_commits(facts, 5, [(h, at(10, 1))])
    add_label(facts, 5, "hotfix")
    # H3 02:00 deploys the branch: compare(c2...h) diverged, listing h → change h (no PR's merge commit:
    # its own date), lead 1 h. Rework from PR #5's merge (06:00) on.
    h3 = facts.deployment(at(10, 2), ships=[h], compare="diverged")
    # D4 09:00 deploys main after the merge: compare(h...c6) ahead, listing c2 (D2's), m5 (a merge
    # commit, no change) and c6 (lead 2 h). No change from PR #5: not rework by the label.
    m5 = facts.commit(sha("m5"), at(10, 6), parents=2)
    c6 = facts.commit(sha("c6"), at(10, 7))
    d4 = facts.deployment(at(10, 9), ships=[sha("c2"), m5, c6])
    # I1 10:00 names h: h is H3's change → explicit H3, and no window attribution (D4, 1 h before, is
    # not failed). Resolved 14:00: H3 recovers after 12 h; restore 4 h. D4 was deployed before I1.
    add_incident(facts, "I1", at(10, 10), resolved_at=at(10, 14), title=f"checkout broken by {h[:10]}")
    result = run(facts, rework_labels=REWORK_LABELS)
    assert failed_recovered(result) == {h3: (("explicit",), at(10, 14))}
    assert d4 not in failed(result)
    # D1, D2, H3, D4 → 4; CFR 1/4; recovery 12; rework H3 → 1/4; leads 2, 1, 2 → p50 2, p90 2.
    # Breakdown: PR #5 is deployed by D4 (the first to ship m5): coding 01:00 → 01:30 0.5, pickup 1,
    # review 02:30 → 06:00 3.5, deploy 06:00 → 09:00 3.
    check(
        rows(result)[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.25,
        failed_deployment_recovery_hours_p50=12.0,
        rework_rate=0.25,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=2.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        lead_time_breakdown_hours_p50={
            "coding": approx(0.5),
            "pickup": approx(1.0),
            "review": approx(3.5),
            "deploy": approx(3.0),
        },
    )
    # As of 06-10 05:00 (PR #5 not merged yet): H3 is no rework yet; I1 has not started: nothing failed.
    # (05-11 05:00, 06-10 05:00]: D1, D2, H3 → 3; rework 0; leads 2, 1 → 1.5; no PR deployed.
    early = run(facts, rework_labels=REWORK_LABELS, as_of=at(10, 5))
    assert failed(early) == {}
    check(
        rows(early)[TEAM, "30d"],
        deployments=3,
        change_failure_rate=0.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.5,
    )


# -- 9. recovery versus restore from the same window incidents, ties, one unrecovered by as_of ------------


def test_recovery_and_restore_from_the_same_incidents_with_ties_and_one_open_at_as_of(facts: Facts) -> None:
    first(facts)
    # Four deployments, each failed by a P1 incident 1 h after it (window), restore 2, 2, 4, 10 h, so
    # recovery (from the deployment) 3, 3, 5, 11 h.
    starts = [at(11), at(13), at(15), at(17)]
    restore_hours = [2, 2, 4, 10]
    deployed = []
    for i, (when, restore) in enumerate(zip(starts, restore_hours, strict=True)):
        deployed.append(ship(facts, when, [(f"x{i}", when - timedelta(hours=i + 1))]))  # leads 1, 2, 3, 4
        begun = when + timedelta(hours=1)
        add_incident(facts, f"I{i}", begun, resolved_at=begun + timedelta(hours=restore))
    # As of 06-30: CFR 4/5; recovery 3, 3, 5, 11 → p50 4; restore 2, 2, 4, 10 → p50 3, p90 (r 2.7)
    # 4 + 0.7 × 6 = 8.2; rework 0 (each incident closes before the next deployment); leads 1, 2, 3, 4 →
    # p50 2.5, p90 3.7. Recovery band 4 h: high.
    result = run(facts)
    assert failed(result) == dict.fromkeys(deployed, ("window",))
    check(
        rows(result)[TEAM, "30d"],
        deployments=5,
        change_failure_rate=0.8,
        failed_deployment_recovery_hours_p50=4.0,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=8.2,
        incidents=4,
        rework_rate=0.0,
        lead_time_hours_p50=2.5,
        lead_time_hours_p90=3.7,
    )
    # As of 06-17 06:00: the last incident (06-17 01:00 → 11:00) is still open; its deployment is failed
    # (CFR counts it) but not recovered (left out of the median). 30d (05-18 06:00, 06-17 06:00]: CFR 4/5;
    # recovery 3, 3, 5 → 3; restore 2, 2, 4 → p50 2, p90 (r 1.8) 2 + 0.8 × 2 = 3.6; incidents 4.
    # 7d (06-10 06:00, 06-17 06:00]: the four deployments → CFR 4/4, same recovery and restore.
    mid = run(facts, windows=(W7, W30), as_of=at(17, 6))
    got = rows(mid)
    for window, deployments, rate in (("30d", 5, 0.8), ("7d", 4, 1.0)):
        check(
            got[TEAM, window],
            deployments=deployments,
            change_failure_rate=rate,
            failed_deployment_recovery_hours_p50=3.0,
            time_to_restore_hours_p50=2.0,
            time_to_restore_hours_p90=3.6,
            incidents=4,
        )
    assert failed_recovered(mid)[deployed[3]] == (("window",), None)


# -- 10. two incidents starting at a deployment's instant: one names that deployment's change ------------


def test_two_incidents_at_a_deployments_instant_one_naming_its_change_one_by_the_window(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])  # lead 2 h
    c3 = sha("c3")
    d3 = ship(facts, at(10, 5), [("c3", at(10, 3))])  # lead 2 h
    # Both start at 05:00, the instant D3 succeeds. I1 names c3, a change of D3: explicit → D3, resolved
    # 07:00: 2 h. I2 has no link: D3 is not "before" it, so the latest deployment before it is D2 (5 h)
    # → window D2, resolved 09:00: 9 h. D3 was deployed while both were open (from their start): rework.
    add_incident(facts, "I1", at(10, 5), resolved_at=at(10, 7), title=f"deploy {c3[:8]} broke checkout")
    add_incident(facts, "I2", at(10, 5), resolved_at=at(10, 9))
    result = run(facts)
    assert failed_recovered(result) == {
        d2: (("window",), at(10, 9)),
        d3: (("explicit",), at(10, 7)),
    }
    # D1, D2, D3 → 3; CFR 2/3; recovery 9, 2 → 5.5; rework 1/3; leads 2, 2; restore 2, 4 → p50 3, p90
    # 2 + 0.9 × 2 = 3.8.
    check(
        rows(result)[TEAM, "30d"],
        deployments=3,
        change_failure_rate=2 / 3,
        failed_deployment_recovery_hours_p50=5.5,
        rework_rate=1 / 3,
        lead_time_hours_p50=2.0,
        incidents=2,
        time_to_restore_hours_p50=3.0,
        time_to_restore_hours_p90=3.8,
    )


# -- 11. a deployment made during another deployment's incident, rolled back, then failed again ----------


def test_deployment_made_during_an_earlier_deployments_incident_rolled_back_and_the_rollback_failed(
    facts: Facts,
) -> None:
    first(facts)
    e = ship(facts, at(10), [("e", at(9, 21))])  # E, lead 3 h
    # I1 01:00 → 08:00: the latest deployment before it is E (1 h) → window E, recovered after 8 h.
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 8))
    # F 02:00 (lead 0.5 h), made while I1 is open: rework, but I1 started before F: it does not fail F.
    f = ship(facts, at(10, 2), [("f", at(10, 1.5))])
    # R 03:00 rolls F back to E's commit: F failed (rollback), recovered after 1 h; R is rework (a
    # rollback, and I1 is open), once. E's own failure is not recovered by R (R rolls back F, not E).
    r = rollback(facts, at(10, 3), sha("e"))
    # I2 04:00 → 05:00, no link: the latest deployment before it is R (1 h) → window R, recovered at
    # 05:00, 2 h after R.
    add_incident(facts, "I2", at(10, 4), resolved_at=at(10, 5))
    result = run(facts)
    assert failed_recovered(result) == {
        e: (("window",), at(10, 8)),
        f: (("rollback",), at(10, 3)),
        r: (("window",), at(10, 5)),
    }
    # D1, E, F, R → 4; CFR 3/4; recovery 8, 1, 2 → 2; rework F, R → 2/4; leads 3, 0.5 → p50 1.75, p90
    # 0.5 + 0.9 × 2.5 = 2.75; incidents 2; restore 7, 1 → p50 4, p90 1 + 0.9 × 6 = 6.4. Bands (30d):
    # 4/30 medium; 1.75 h elite; 75 % low; recovery 2 h: high.
    check(
        rows(result)[TEAM, "30d"],
        deployments=4,
        change_failure_rate=0.75,
        failed_deployment_recovery_hours_p50=2.0,
        rework_rate=0.5,
        lead_time_hours_p50=1.75,
        lead_time_hours_p90=2.75,
        incidents=2,
        time_to_restore_hours_p50=4.0,
        time_to_restore_hours_p90=6.4,
        bands={
            "deployment_frequency": "medium",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        },
    )
