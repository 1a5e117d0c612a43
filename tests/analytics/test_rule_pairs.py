"""Where two rules of SPEC §4–§6 meet: small named scenarios, every number worked out by hand from the SPEC.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise, attribution window
24 h. Team ``order-team`` owns repo acme/orders (service ``orders``) and PagerDuty service P1; team
``payments`` owns acme/pay (service ``pay``) and P2. Each repo's first deployment (June 1, compare
``first``) has unknown changes. Everything goes through ``compute_metrics``, the code ``doraspace
metrics`` runs, so the delivery and failure halves and the bands meet as they do for a user.
"""

from __future__ import annotations

from datetime import timedelta

from analytics.ownership import (
    CatalogComponent,
    OwnershipSettings,
    PagerDutyScope,
    RepoScope,
    TeamClaim,
    pagerduty_scopes,
    repo_scopes,
    resolve_ownership,
)
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
    approx,
    failed,
    first,
    rollback,
    rows,
    run,
    ship,
)

# -- 1. rollback + window attribution overlapping --------------------------------------------------------


def test_rollback_inside_the_attribution_window_of_its_own_incident(facts: Facts) -> None:
    d1 = first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])  # lead time 2 h
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 5))
    r3 = rollback(facts, at(10, 2), sha(f"first-{REPO}"))
    add_incident(facts, "I2", at(10, 3), resolved_at=at(10, 6))
    result = run(facts)
    row = rows(result)[TEAM, "30d"]
    # I1 (01:00): latest deployment of "orders" before it is D2 (1 h): window → D2. R3 rolls back D2:
    # rollback → D2. I2 (03:00): the latest deployment before it is now the rollback R3 (1 h before):
    # window → R3 (§6.1 rule 4 does not exempt rollbacks).
    assert failed(result) == {d2: ("rollback", "window"), r3: ("window",)}
    assert d1 not in failed(result)
    # Deployments D1, D2, R3; failed D2, R3.
    assert row.deployments == 3
    assert row.change_failure_rate == approx(2 / 3)
    # D2 recovers at the earliest of I1 resolved (05:00) and its rollback (02:00): 2 h.
    # R3 recovers when I2, the incident that failed it, is resolved (06:00): 4 h. Median of 2, 4 = 3.
    assert row.failed_deployment_recovery_hours_p50 == approx(3.0)
    # R3 is rework twice over (a rollback, deployed while I1 was open): counted once. 1 of 3.
    assert row.rework_rate == approx(1 / 3)
    # Restore: I1 4 h, I2 3 h.
    assert row.incidents == 2
    assert row.time_to_restore_hours_p50 == approx(3.5)
    assert row.time_to_restore_hours_p90 == approx(3.9)
    assert row.lead_time_hours_p50 == approx(2.0)


# -- 2. a failure of one team recovered through another team's incident ----------------------------------


def test_incident_of_another_team_names_the_change_it_fails(facts: Facts) -> None:
    first(facts)
    first(facts, repo=PAY_REPO)
    d2 = ship(facts, at(10), [("c2", at(9, 20))])  # order-team, lead 4 h
    b2 = ship(facts, at(10, 11), [("b2", at(10, 10))], repo=PAY_REPO)  # payments, lead 1 h
    c2 = sha("c2")
    # On payments' P2, 1 h after payments' B2, but it names order-team's change: explicit → D2, and an
    # incident with an explicit link gives no window attribution, so B2 is not failed.
    add_incident(facts, "I1", at(10, 12), resolved_at=at(10, 15), service="P2", title=f"root cause: {c2[:9]}")
    result = run(facts, (ORDERS, PAY), (P1, P2))
    got = rows(result)
    assert failed(result) == {d2: ("explicit",)}
    assert b2 not in failed(result)
    orders, pay, org = got[TEAM, "30d"], got[PAY_TEAM, "30d"], got["*", "30d"]
    # order-team: 2 deployments, D2 failed, recovered when I1 was resolved: 06-10 00:00 → 15:00.
    assert (orders.deployments, orders.change_failure_rate) == (2, approx(1 / 2))
    assert orders.failed_deployment_recovery_hours_p50 == approx(15.0)
    # The incident is payments' (P2 is theirs): it counts there, not for order-team.
    assert (orders.incidents, orders.time_to_restore_hours_p50) == (0, None)
    assert (pay.deployments, pay.change_failure_rate, pay.failed_deployment_recovery_hours_p50) == (
        2,
        0.0,
        None,
    )
    assert (pay.incidents, pay.time_to_restore_hours_p50) == (1, approx(3.0))
    # The organisation: 4 deployments, one failed; one incident, counted once.
    assert (org.deployments, org.change_failure_rate, org.incidents) == (4, approx(1 / 4), 1)
    assert org.failed_deployment_recovery_hours_p50 == approx(15.0)
    assert org.time_to_restore_hours_p50 == approx(3.0)
    # Recovery band: order-team has a failed deployment with a recovery (15 h: high); payments has none,
    # so it falls back to its restore time (3 h: high).
    assert orders.bands["recovery"] == "high"
    assert pay.bands["recovery"] == "high"


# -- 3. squash merge + commits pushed after approval + a rework label ------------------------------------


def test_squash_merge_with_commits_after_approval_and_a_hotfix_label(facts: Facts) -> None:
    first(facts)
    # PR 1, squash-merged: commits 08:00 and 13:00 (pushed after bob's approval at 12:00).
    facts.commit("squash1", at(9, 16))
    facts.pull_request(
        1,
        created_at=at(9, 10),
        merged_at=at(9, 16),
        merge_commit_sha="squash1",
        commit_dates=[at(9, 8), at(9, 13)],
        reviews=[Review("bob", at(9, 12)), Review("carol", at(9, 14), "COMMENTED")],
    )
    add_label(facts, 1, "hotfix")
    # PR 2, merged with a merge commit; its commit keeps its sha (``pr2-c0``) and is the change.
    facts.commit("pr2-c0", at(9, 15))
    facts.commit("merge2", at(9, 17), parents=2)
    facts.pull_request(
        2,
        created_at=at(9, 15.5),
        merged_at=at(9, 17),
        merge_commit_sha="merge2",
        commit_dates=[at(9, 15)],
    )
    add_label(facts, 2, "feature")
    facts.deployment(at(9, 18), ships=["squash1", "pr2-c0", "merge2"])
    row = rows(run(facts, rework_labels=REWORK_LABELS))[TEAM, "30d"]
    # Lead times: squash1 starts at its PR's earliest commit (08:00): 10 h; pr2-c0 at its own date: 3 h;
    # merge2 is a merge commit, no change. Median of 3, 10 = 6.5; p90 3 + 0.9 × 7 = 9.3.
    assert row.lead_time_hours_p50 == approx(6.5)
    assert row.lead_time_hours_p90 == approx(9.3)
    # PR 1: coding 08:00 → 10:00 2 h, pickup 10:00 → 12:00 (bob, the first review) 2 h, review 12:00 →
    # 16:00 4 h, deploy 16:00 → 18:00 2 h. PR 2: coding 0.5 h, no review, deploy 17:00 → 18:00 1 h.
    assert row.lead_time_breakdown_hours_p50 == {
        "coding": approx(1.25),
        "pickup": approx(2.0),
        "review": approx(4.0),
        "deploy": approx(1.5),
    }
    # The deployment carries a change of a PR labelled hotfix: rework. 1 of 2 (D1 is not).
    assert row.rework_rate == approx(1 / 2)
    assert row.change_failure_rate == 0.0


# -- 4. a staging deployment and a failed attempt between production ones ---------------------------------


def test_staging_and_failed_attempts_are_not_the_latest_deployment(facts: Facts) -> None:
    first(facts)
    facts.deployment(at(2), compare="first", environment="staging", sha=sha("staging-first"))
    d2 = ship(facts, at(10), [("c2", at(9, 20))])  # lead 4 h
    # Staging ships c3 first (its own chain), then rolls back; production tries and fails once.
    ship(facts, at(10, 6), [("c3", at(10, 5))], environment="staging")
    facts.deployment(at(10, 9), sha=sha("staging-first"), compare="behind", environment="staging")
    facts.deployment(None, sha=sha("c3"))
    add_incident(facts, "I1", at(10, 8), resolved_at=at(10, 10))
    d3 = facts.deployment(at(11), ships=[sha("c3")])  # production ships c3: lead 06-10 05:00 → 06-11: 19 h
    result = run(facts)
    row = rows(result)[TEAM, "30d"]
    # Only production counts: D1, D2, D3. I1 (06-10 08:00) fails D2, production's latest before it (8 h);
    # the staging rollback is nobody's rollback of D2. D2 recovers when I1 is resolved: 10 h.
    assert failed(result) == {d2: ("window",)}
    assert d3 not in failed(result)
    assert row.deployments == 3
    assert row.change_failure_rate == approx(1 / 3)
    assert row.failed_deployment_recovery_hours_p50 == approx(10.0)
    # c3 is production's change of D3 although staging shipped it first: lead times 4 h and 19 h.
    assert row.lead_time_hours_p50 == approx(11.5)
    assert row.rework_rate == 0.0  # D3 was deployed after I1 was resolved


# -- 5. identical redeploy + change failure rate + revert ------------------------------------------------


def test_redeploy_of_the_same_sha_is_the_deployment_an_incident_fails(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])  # lead 2 h
    d3 = facts.deployment(at(10, 6), sha=sha("c2"), compare="identical")  # redeploy: no changes
    add_incident(facts, "I1", at(10, 7), resolved_at=at(10, 9))
    c2 = sha("c2")
    d4 = ship(facts, at(11), [("r4", at(10, 23), f'Revert "c2"\n\nThis reverts commit {c2}.')])  # lead 1 h
    result = run(facts)
    row = rows(result)[TEAM, "30d"]
    # I1 (07:00): the latest deployment before it is the redeploy D3 (1 h): window → D3, recovered at
    # 09:00 (3 h). r4 reverts c2, a change of D2 only (D3 has none): revert → D2, recovered by D4 (24 h).
    assert failed(result) == {d2: ("revert",), d3: ("window",)}
    assert d4 not in failed(result)
    assert row.deployments == 4
    assert row.change_failure_rate == approx(2 / 4)
    assert row.failed_deployment_recovery_hours_p50 == approx(13.5)  # 3 and 24
    # Rework: D4 ships a revert. D3 was deployed before I1 started.
    assert row.rework_rate == approx(1 / 4)
    # Lead times: c2 2 h, r4 1 h; the redeploy adds none.
    assert row.lead_time_hours_p50 == approx(1.5)


# -- 6. attribution window boundaries with two deployments of a service -----------------------------------


def test_attribution_window_ends_are_inclusive_and_the_latest_deployment_wins(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 23))])
    d3 = ship(facts, at(10, 12), [("c3", at(10, 11))])
    # I1 starts at the very instant D3 succeeds: D3 is not "before" it, so the latest deployment before
    # I1 is D2, exactly 12 h earlier: (F, F + 12 h] includes its end → D2.
    add_incident(facts, "I1", at(10, 12), resolved_at=at(10, 13))
    # I2 exactly 12 h after D3: inside D3's window → D3. D2 is 24 h back, outside, and not the latest.
    add_incident(facts, "I2", at(11), resolved_at=at(11, 2))
    # I3 one second past D3 + 12 h: nobody's.
    add_incident(facts, "I3", at(11) + timedelta(seconds=1), resolved_at=at(11, 1))
    result = run(facts, attribution_window=timedelta(hours=12))
    row = rows(result)[TEAM, "30d"]
    assert failed(result) == {d2: ("window",), d3: ("window",)}
    assert row.change_failure_rate == approx(2 / 3)
    # D2 recovers at I1's resolution (06-10 13:00): 13 h; D3 at I2's (06-11 02:00): 14 h.
    assert row.failed_deployment_recovery_hours_p50 == approx(13.5)
    assert row.incidents == 3


# -- 7. even counts: medians of lead time, recovery and restore, per team and for "*" ---------------------


def test_even_counts_interpolate_per_team_and_for_the_organisation(facts: Facts) -> None:
    first(facts)
    first(facts, repo=PAY_REPO)
    # order-team: lead times 1, 2 (D2), 4, 10 (D4); D2 rolled back after 2 h; D4 failed by IA, 6 h.
    d2 = ship(facts, at(10), [("a1", at(9, 23)), ("a2", at(9, 22))])
    rollback(facts, at(10, 2), sha(f"first-{REPO}"))
    d4 = ship(facts, at(12), [("a3", at(11, 20)), ("a4", at(11, 14))])
    add_incident(facts, "IA", at(12, 1), resolved_at=at(12, 6))  # restore 5 h
    # payments: lead times 6 (B2), 8 (B3), 1, 3 (B4); B2 failed by IB after 3 h; B3 reverted by B4, 10 h.
    b2 = ship(facts, at(15), [("b1", at(14, 18))], repo=PAY_REPO)
    add_incident(facts, "IB", at(15, 1), resolved_at=at(15, 3), service="P2")  # restore 2 h
    b3 = ship(facts, at(20), [("b2", at(19, 16))], repo=PAY_REPO)
    revert = f"This reverts commit {sha('b2')[:12]}"
    ship(facts, at(20, 10), [("rv", at(20, 9), revert), ("b3", at(20, 7))], repo=PAY_REPO)
    result = run(facts, (ORDERS, PAY), (P1, P2))
    got = rows(result)
    assert set(failed(result)) == {d2, d4, b2, b3}
    orders, pay, org = got[TEAM, "30d"], got[PAY_TEAM, "30d"], got["*", "30d"]
    # order-team: 1, 2, 4, 10 → p50 3, p90 at 2.7: 4 + 0.7 × 6 = 8.2. Recovery 2, 6 → 4.
    assert orders.lead_time_hours_p50 == approx(3.0)
    assert orders.lead_time_hours_p90 == approx(8.2)
    assert orders.failed_deployment_recovery_hours_p50 == approx(4.0)
    assert (orders.deployments, orders.change_failure_rate, orders.rework_rate) == (4, 0.5, 0.25)
    # payments: 1, 3, 6, 8 → p50 4.5, p90 6 + 0.7 × 2 = 7.4. Recovery 3, 10 → 6.5.
    assert pay.lead_time_hours_p50 == approx(4.5)
    assert pay.lead_time_hours_p90 == approx(7.4)
    assert pay.failed_deployment_recovery_hours_p50 == approx(6.5)
    assert (pay.deployments, pay.change_failure_rate, pay.rework_rate) == (4, 0.5, 0.25)
    # "*": every value once, not the teams' medians averaged: lead 1, 1, 2, 3, 4, 6, 8, 10 → p50 3.5,
    # p90 at 6.3: 8 + 0.3 × 2 = 8.6; recovery 2, 3, 6, 10 → 4.5; restore 2, 5 → 3.5 and 2 + 0.9 × 3 = 4.7.
    assert org.lead_time_hours_p50 == approx(3.5)
    assert org.lead_time_hours_p90 == approx(8.6)
    assert org.failed_deployment_recovery_hours_p50 == approx(4.5)
    assert org.time_to_restore_hours_p50 == approx(3.5)
    assert org.time_to_restore_hours_p90 == approx(4.7)
    assert (org.deployments, org.change_failure_rate, org.rework_rate, org.incidents) == (8, 0.5, 0.25, 2)


# -- 8. ownership: a PagerDuty service two components claim, and one a team's repos share ----------------


def _scopes(
    teams: tuple[TeamClaim, ...], repos: list[str], components: list[CatalogComponent]
) -> tuple[list[RepoScope], list[PagerDutyScope], list[str]]:
    settings = OwnershipSettings(teams=teams)
    ownership = resolve_ownership(settings, repos, components)
    return (
        repo_scopes(settings, repos, ownership),
        pagerduty_scopes(ownership, settings),
        ownership.warnings,
    )


def test_a_contested_pagerduty_service_fails_only_its_winners_deployments(facts: Facts) -> None:
    components = [
        CatalogComponent("acme/a", 0, "a", "team-a", "acme/a", "PSH"),
        CatalogComponent("acme/b", 0, "b", "team-b", "acme/b", "PSH"),
    ]
    scopes, pd_scopes, warnings = _scopes((), ["acme/a", "acme/b"], components)
    assert len(warnings) == 1  # §4: the first in file order (acme/a) wins PSH, with a warning
    first(facts, repo="acme/a")
    first(facts, repo="acme/b")
    a2 = ship(facts, at(10), [("a2", at(9, 23))], repo="acme/a")
    b2 = ship(facts, at(10, 1), [("b2", at(10))], repo="acme/b")
    # On PSH at 02:00: team-a's incident; it may fail service "a" only, whose latest deployment is A2
    # (2 h), although B2 (1 h) is more recent. Resolved 04:00: recovery 4 h, restore 2 h.
    add_incident(facts, "I1", at(10, 2), resolved_at=at(10, 4), service="PSH")
    # An incident issue in acme/b at 03:00: team-b's, fails B2 (2 h); closed 05:00: recovery 4 h.
    add_incident(facts, "acme/b#1", at(10, 3), resolved_at=at(10, 5), source="github", service="acme/b")
    result = run(facts, scopes, pd_scopes)
    got = rows(result)
    assert failed(result) == {a2: ("window",), b2: ("window",)}
    for team in ("team-a", "team-b"):
        row = got[team, "30d"]
        assert (row.deployments, row.change_failure_rate, row.incidents) == (2, 0.5, 1)
        assert row.failed_deployment_recovery_hours_p50 == approx(4.0)
        assert row.time_to_restore_hours_p50 == approx(2.0)
    org = got["*", "30d"]
    assert (org.deployments, org.change_failure_rate, org.incidents) == (4, 0.5, 2)


def test_one_incident_on_a_team_service_shared_by_two_repos_counts_once(facts: Facts) -> None:
    # PX, named by team-a's config entry, belongs to both its repos, each its own service (§4).
    scopes, pd_scopes, _ = _scopes(
        (TeamClaim("team-a", ("acme/a1", "acme/a2"), ("PX",)),), ["acme/a1", "acme/a2"], []
    )
    first(facts, repo="acme/a1")
    first(facts, repo="acme/a2")
    x1 = ship(facts, at(10), [("x1", at(9, 23))], repo="acme/a1")
    x2 = ship(facts, at(10, 1), [("x2", at(10))], repo="acme/a2")
    add_incident(facts, "I1", at(10, 2), resolved_at=at(10, 3), service="PX")
    result = run(facts, scopes, pd_scopes)
    got = rows(result)
    # I1 is on a PagerDuty service of both services; each one's latest deployment before it is within
    # 24 h: X1 (recovery 3 h) and X2 (2 h) both fail. One incident, once for the team and once for "*".
    assert failed(result) == {x1: ("window",), x2: ("window",)}
    for team in ("team-a", "*"):
        row = got[team, "30d"]
        assert (row.deployments, row.change_failure_rate, row.incidents) == (4, 0.5, 1)
        assert row.failed_deployment_recovery_hours_p50 == approx(2.5)
        assert (row.time_to_restore_hours_p50, row.time_to_restore_hours_p90) == (approx(1.0), approx(1.0))


def test_a_team_owning_only_a_pagerduty_service_has_its_own_row(facts: Facts) -> None:
    # §4: a teams: entry may name PagerDuty services only; §6: team metrics cover the PagerDuty services
    # the team owns; §6.4: one object per team and window.
    scopes, pd_scopes, _ = _scopes(
        (TeamClaim(TEAM, (REPO,), ("P1",)), TeamClaim("sre", (), ("PSRE",))), [REPO], []
    )
    first(facts)
    add_incident(facts, "I1", at(20), resolved_at=at(20, 2), service="PSRE")
    got = rows(run(facts, scopes, pd_scopes))
    assert ("sre", "30d") in got
    sre = got["sre", "30d"]
    assert (sre.deployments, sre.deployment_frequency_per_day) == (0, 0.0)
    assert (sre.change_failure_rate, sre.rework_rate, sre.lead_time_hours_p50) == (None, None, None)
    assert (sre.incidents, sre.time_to_restore_hours_p50) == (1, approx(2.0))
    assert got["*", "30d"].incidents == 1


def test_an_organisation_with_pagerduty_services_only_has_its_teams_rows(facts: Facts) -> None:
    # The same rule with no repository at all: the team and "*" still have their rows and incident.
    pd_scopes = [PagerDutyScope("PSRE", "sre", ())]
    add_incident(facts, "I1", at(20), resolved_at=at(20, 3), service="PSRE")
    got = rows(run(facts, [], pd_scopes))
    assert sorted(team for team, window in got if window == "30d") == ["*", "sre"]
    for team in ("*", "sre"):
        row = got[team, "30d"]
        assert (row.deployments, row.change_failure_rate, row.incidents) == (0, None, 1)
        assert row.time_to_restore_hours_p50 == approx(3.0)


# -- 9. rework labels + revert ---------------------------------------------------------------------------


def test_revert_pull_request_labelled_rework_counts_once_and_fails_the_reverted(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])  # lead 2 h
    c2 = sha("c2")
    # PR 5, squash-merged as r3, labelled revert and hotfix, says it reverts c2.
    r3 = facts.commit(sha("r3"), at(10, 23), message=f'Revert "c2" (#5)\n\nThis reverts commit {c2}.')
    facts.pull_request(
        5, created_at=at(10, 22.5), merged_at=at(10, 23), merge_commit_sha=r3, commit_dates=[at(10, 22)]
    )
    add_label(facts, 5, "revert")
    add_label(facts, 5, "hotfix")
    d3 = facts.deployment(at(11), ships=[r3])  # lead from the PR's commit 06-10 22:00: 2 h
    # A direct commit reverting a commit of the first deployment (unknown changes: no change of anyone).
    d4 = ship(facts, at(12), [("c4", at(11, 21), f"This reverts commit {sha(f'first-{REPO}')}")])  # 3 h
    result = run(facts, rework_labels=REWORK_LABELS)
    row = rows(result)[TEAM, "30d"]
    # D2 failed (revert), recovered by D3 after 24 h. D3: rework (label and revert, once). D4: rework
    # (it contains a revert commit), and fails nothing: D1 has no known change.
    assert failed(result) == {d2: ("revert",)}
    assert {d3, d4}.isdisjoint(failed(result))
    assert row.deployments == 4
    assert row.change_failure_rate == approx(1 / 4)
    assert row.failed_deployment_recovery_hours_p50 == approx(24.0)
    assert row.rework_rate == approx(2 / 4)
    assert row.lead_time_hours_p50 == approx(2.0)  # 2, 2, 3


def test_a_rework_label_matches_whatever_its_case(facts: Facts) -> None:
    # GitHub's label names are case-insensitive: a PR labelled "HotFix" carries the configured "hotfix".
    first(facts)
    facts.commit("pr7-c0", at(9, 20))
    facts.pull_request(7, created_at=at(9, 21), merged_at=at(9, 22), merge_commit_sha="pr7-c0")
    add_label(facts, 7, "HotFix")
    facts.deployment(at(10), ships=["pr7-c0"])
    row = rows(run(facts, rework_labels=("hotfix",)))[TEAM, "30d"]
    assert (row.deployments, row.rework_rate) == (2, approx(1 / 2))


def test_revert_shipped_with_the_change_it_reverts_fails_nothing(facts: Facts) -> None:
    first(facts)
    c2 = sha("c2")
    ship(facts, at(10), [("c2", at(9, 20)), ("r2", at(9, 22), f"This reverts commit {c2[:7]}.")])
    result = run(facts)
    row = rows(result)[TEAM, "30d"]
    # §6.1 rule 3 needs a *later* deployment: none. §6.2: the deployment contains a revert: rework.
    assert failed(result) == {}
    assert (row.change_failure_rate, row.rework_rate) == (0.0, 0.5)
    assert row.lead_time_hours_p50 == approx(3.0)  # 4 h and 2 h


def test_labelled_change_reshipped_after_a_rollback_is_rework_once(facts: Facts) -> None:
    first(facts)
    facts.commit("pr5-c0", at(9, 20))
    facts.commit("m5", at(9, 23), parents=2)
    facts.pull_request(
        5, created_at=at(9, 21), merged_at=at(9, 23), merge_commit_sha="m5", commit_dates=[at(9, 20)]
    )
    add_label(facts, 5, "hotfix")
    d2 = facts.deployment(at(10), ships=["pr5-c0", "m5"])  # change pr5-c0, lead 4 h
    rollback(facts, at(10, 6), sha(f"first-{REPO}"))
    facts.commit(sha("c4"), at(10, 22))
    d4 = facts.deployment(at(11), ships=["pr5-c0", "m5", sha("c4")])  # only c4 is new: lead 2 h
    result = run(facts, rework_labels=REWORK_LABELS)
    row = rows(result)[TEAM, "30d"]
    # Rework: D2 (a change of a hotfix PR) and the rollback; D4 re-ships that change, which is D2's, not
    # D4's (§5.2): not rework.
    assert failed(result) == {d2: ("rollback",)}
    assert d4 not in failed(result)
    assert row.rework_rate == approx(2 / 4)
    assert row.change_failure_rate == approx(1 / 4)
    assert row.failed_deployment_recovery_hours_p50 == approx(6.0)
    assert row.lead_time_hours_p50 == approx(3.0)
    # PR 5 deployed by D2 (first to ship m5): coding 1 h, deploy 1 h; no review.
    assert row.lead_time_breakdown_hours_p50 == {
        "coding": approx(1.0),
        "pickup": None,
        "review": None,
        "deploy": approx(1.0),
    }


def test_reshipped_change_named_and_reverted_fails_its_first_deployment_only(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, at(10), [("A", at(9, 20))])  # lead 4 h
    r3 = rollback(facts, at(10, 6), sha(f"first-{REPO}"))
    facts.commit(sha("B"), at(10, 21))
    d4 = facts.deployment(at(11), ships=[sha("A"), sha("B")])  # change B only: lead 3 h
    a = sha("A")
    # 1 h after D4, names A: explicit → D2 (A is D2's change), so no window attribution to D4.
    add_incident(facts, "I1", at(11, 1), resolved_at=at(11, 4), title=f"errors since {a[:8]}")
    d5 = ship(facts, at(12), [("rv", at(11, 22), f"This reverts commit {a}.")])  # lead 2 h
    result = run(facts)
    row = rows(result)[TEAM, "30d"]
    assert failed(result) == {d2: ("explicit", "rollback", "revert")}
    assert {r3, d4, d5}.isdisjoint(failed(result))
    assert row.deployments == 5
    assert row.change_failure_rate == approx(1 / 5)
    # D2's earliest end: its rollback, 6 h (I1 resolved 06-11 04:00, the revert on 06-12).
    assert row.failed_deployment_recovery_hours_p50 == approx(6.0)
    assert row.rework_rate == approx(2 / 5)  # R3 (rollback), D5 (revert)
    assert row.lead_time_hours_p50 == approx(3.0)  # 4, 3, 2


# -- 10. windows with zero deployments -------------------------------------------------------------------


def test_a_window_without_deployments_has_null_ratios_but_counts_its_incidents(facts: Facts) -> None:
    first(facts)
    ship(facts, at(10), [("c2", at(9, 19))])  # lead 5 h
    add_incident(facts, "I1", at(20), resolved_at=at(24))  # before the 7d window, resolved in it: 96 h
    add_incident(facts, "I2", at(25), resolved_at=at(25, 2))  # in it: 2 h
    got = rows(run(facts, windows=(W7, W30)))
    week, month = got[TEAM, "7d"], got[TEAM, "30d"]
    # (06-23, 06-30]: no deployment. Counts are 0; ratios and percentiles over deployments are null.
    assert (week.deployments, week.deployment_frequency_per_day) == (0, 0.0)
    assert (week.change_failure_rate, week.rework_rate) == (None, None)
    assert (week.lead_time_hours_p50, week.lead_time_hours_p90) == (None, None)
    assert week.failed_deployment_recovery_hours_p50 is None
    assert week.lead_time_breakdown_hours_p50 == NO_BREAKDOWN
    # Incidents started in it: I2 only; restored in it: I1 (96 h) and I2 (2 h) → p50 49, p90 86.6.
    assert week.incidents == 1
    assert week.time_to_restore_hours_p50 == approx(49.0)
    assert week.time_to_restore_hours_p90 == approx(86.6)
    # 30d: 2 deployments, none failed (no incident within 24 h of one).
    assert (month.deployments, month.change_failure_rate, month.incidents) == (2, 0.0, 2)
    # Bands from 30d for both rows: 2/30 a day ≥ 1/30: medium; lead 5 h: elite; 0 %: elite; no failed
    # deployment with a recovery, so restore p50 49 h (< 1 week): medium.
    expected = {
        "deployment_frequency": "medium",
        "lead_time": "elite",
        "change_failure_rate": "elite",
        "recovery": "medium",
    }
    assert month.bands == expected
    assert week.bands == expected


# -- 10b. a failed deployment exactly at a window's (exclusive) start ----------------------------------------


def test_deployment_failed_exactly_at_the_window_start_counts_in_the_longer_window_only(facts: Facts) -> None:
    first(facts)
    week_start = AS_OF - timedelta(days=7)  # 06-23 00:00: outside (as_of − 7 d, as_of]
    f = ship(facts, week_start, [("f", week_start - timedelta(hours=2))])  # lead 2 h
    ship(facts, at(25), [("g", at(24, 23))])  # lead 1 h
    add_incident(facts, "I1", week_start + timedelta(hours=1), resolved_at=week_start + timedelta(hours=4))
    both = rows(run(facts, windows=(W7, W30)))
    week_alone = rows(run(facts, windows=(W7,)))[TEAM, "7d"]
    # I1 (06-23 01:00) fails F, 1 h before it, recovered at 04:00 (4 h), restored in 3 h. F is in 30d only.
    for week in (both[TEAM, "7d"], week_alone):
        assert (week.deployments, week.change_failure_rate, week.rework_rate) == (1, 0.0, 0.0)
        assert week.failed_deployment_recovery_hours_p50 is None
        assert (week.incidents, week.time_to_restore_hours_p50) == (1, approx(3.0))
        assert week.lead_time_hours_p50 == approx(1.0)
    month = both[TEAM, "30d"]
    assert (month.deployments, month.change_failure_rate) == (3, approx(1 / 3))
    assert month.failed_deployment_recovery_hours_p50 == approx(4.0)
    assert month.lead_time_hours_p50 == approx(1.5)
    assert f in failed(run(facts, windows=(W30,)))
    # Bands from 30d for both rows: recovery 4 h is high.
    assert both[TEAM, "7d"].bands["recovery"] == month.bands["recovery"] == "high"


# -- 11. deployments and incidents exactly at as_of ------------------------------------------------------


def test_rollback_and_incidents_exactly_at_as_of(facts: Facts) -> None:
    first(facts)
    d2 = ship(facts, AS_OF - timedelta(hours=2), [("c2", AS_OF - timedelta(hours=5))])  # lead 3 h
    r3 = rollback(facts, AS_OF, sha(f"first-{REPO}"))  # exactly as_of: inside the window
    add_incident(facts, "I2", AS_OF - timedelta(hours=1), resolved_at=AS_OF)  # resolved exactly at as_of
    add_incident(facts, "I1", AS_OF)  # started exactly at as_of, still open
    add_incident(facts, "I3", AS_OF - timedelta(hours=1), resolved_at=AS_OF + timedelta(seconds=1))
    ship(facts, AS_OF + timedelta(seconds=1), [("late", AS_OF - timedelta(hours=1))])  # after as_of
    result = run(facts, windows=(W7, W30))
    got = rows(result)
    # D2 fails by rollback (R3) and by window (I2 and I3 1 h after it; I1 at as_of, when R3 is not yet
    # "before" it). R3 fails nothing: no incident started after it. D2 recovers at as_of (R3, I2): 2 h.
    assert failed(result) == {d2: ("rollback", "window")}
    assert r3 not in failed(result)
    for window, deployments in (("7d", 2), ("30d", 3)):
        row = got[TEAM, window]
        assert row.deployments == deployments
        assert row.change_failure_rate == approx(1 / deployments)
        assert row.rework_rate == approx(1 / deployments)  # R3
        assert row.failed_deployment_recovery_hours_p50 == approx(2.0)
        # I1, I2, I3 started in the window; only I2 is resolved by as_of (1 h).
        assert row.incidents == 3
        assert (row.time_to_restore_hours_p50, row.time_to_restore_hours_p90) == (approx(1.0), approx(1.0))
        assert row.lead_time_hours_p50 == approx(3.0)


# -- 12. one service over two repos: the window rule and open incidents ----------------------------------


def test_two_repos_of_one_service_share_the_latest_deployment_and_open_incidents(facts: Facts) -> None:
    web = RepoScope(
        repo="acme/orders-web", team=TEAM, source=SOURCE, environment=PRODUCTION, service="orders"
    )
    first(facts)
    first(facts, repo="acme/orders-web")
    d2 = ship(facts, at(10), [("o2", at(9, 23))])
    w2 = ship(facts, at(10, 1), [("w2", at(10))], repo="acme/orders-web")
    # An incident issue in acme/orders at 02:00: a repo of the service "orders", whose latest deployment
    # before it is W2 (acme/orders-web), 1 h: window → W2, not D2.
    add_incident(facts, "acme/orders#3", at(10, 2), resolved_at=at(10, 6), source="github", service=REPO)
    d3 = ship(facts, at(10, 4), [("o3", at(10, 3))])  # while the issue is open: rework
    result = run(facts, (ORDERS, web), ())
    row = rows(result)[TEAM, "30d"]
    assert failed(result) == {w2: ("window",)}
    assert {d2, d3}.isdisjoint(failed(result))
    assert row.deployments == 5
    assert row.change_failure_rate == approx(1 / 5)
    assert row.failed_deployment_recovery_hours_p50 == approx(5.0)  # 01:00 → 06:00
    assert row.rework_rate == approx(1 / 5)
    assert row.incidents == 1


# -- 13. recovery when one piece of evidence ends before the deployment and another after ----------------


def test_rollback_recovers_a_deployment_an_earlier_incident_named(facts: Facts) -> None:
    first(facts)
    c3 = sha("c3")
    # I1 names c3 before c3 is deployed and is resolved at 06-10 08:00; c3 ships with D3 on 06-11 and is
    # rolled back 4 h later. D3 failed by explicit (I1) and rollback (R4). §6.2: recovery "from
    # F.deployed_at to the earliest of the resolution of an incident that failed it and the deployed_at
    # of its rollback": I1's resolution precedes F, so it is no recovery of F; the rollback is: 4 h.
    add_incident(facts, "I1", at(10, 5), resolved_at=at(10, 8), title=f"flaky build {c3[:10]}")
    d2 = ship(facts, at(10, 12), [("c2", at(10, 11))])
    d3 = ship(facts, at(11), [("c3", at(10, 20))])
    rollback(facts, at(11, 4), sha("c2"))
    result = run(facts)
    row = rows(result)[TEAM, "30d"]
    assert failed(result) == {d3: ("explicit", "rollback")}
    assert d2 not in failed(result)
    assert row.change_failure_rate == approx(1 / 4)
    # The report's list says the same: recovered at the rollback, 06-11 04:00.
    assert [d.recovered_at for d in result.failed_deployments()] == [at(11, 4)]
    assert row.failed_deployment_recovery_hours_p50 == approx(4.0)


# -- an incident that ends when (or before) it starts, beside one that is open ---------------------------


def test_an_incident_resolved_at_its_start_closes_no_other_incident(facts: Facts) -> None:
    """P1 incident I1 is open from 06-10 00:00 to 06-12 00:00. I2 (an imported issue of acme/orders)
    starts at 06-11 00:00 and is resolved at that same instant; I3 is resolved an hour before it
    starts (06-11 06:00 → 05:00). D2, deployed exactly at I2's start, and D3, between I3's recorded
    end and start, are both deployed while I1 is open: rework (SPEC §6.2). D1 (06-01) is the first.
    Rework 2/3. By the window, I1 and I2 fail nothing (the latest deployment before each is D1, days
    earlier; D2 is not before I2, the window being after the deployment), while I3 fails D3, 30 min
    after it: its odd end still counts its start."""
    first(facts)
    add_incident(facts, "I1", at(10), resolved_at=at(12))
    ship(facts, at(11), [("c2", at(10, 20))])
    add_incident(facts, "acme/orders#2", at(11), resolved_at=at(11), source="github", service=REPO)
    d3 = ship(facts, at(11, 5.5), [("c3", at(11, 1))])
    add_incident(facts, "acme/orders#3", at(11, 6), resolved_at=at(11, 5), source="github", service=REPO)
    result = run(facts)
    assert rows(result)[(TEAM, "30d")].rework_rate == approx(2 / 3)
    assert failed(result) == {d3: ("window",)}
