"""Failed deployments, recovery, incidents and rework (SPEC §6.1, §6.2), one named scenario each.

June 2026, as of 06-30 00:00 UTC, window 30d, attribution window 24 h. Team ``order-team`` owns repo
acme/orders (service ``orders``) and PagerDuty service P1; PagerDuty service P9 belongs to nobody.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from pytest import approx
from sqlalchemy import Engine

from analytics.failures import compute_failures
from analytics.metrics import compute_metrics
from analytics.ownership import PagerDutyScope, RepoScope
from analytics.windows import WindowSpec
from tests.analytics.facts import AS_OF, PRODUCTION, REPO, SOURCE, Facts, Review, add_incident, add_label, at

TEAM = "order-team"
SCOPE = RepoScope(repo=REPO, team=TEAM, source=SOURCE, environment=PRODUCTION, service="orders")
PAGERDUTY = [PagerDutyScope("P1", TEAM, ("orders",)), PagerDutyScope("P9", "unowned", ())]
W30 = WindowSpec("30d", 30)


def sha(name: str) -> str:
    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


@pytest.fixture
def facts(store_engine: Engine) -> Facts:
    history = Facts(store_engine)
    history.deployment(at(1), compare="first", sha=sha("d1"))
    return history


def ship(facts: Facts, deployed_at: object, name: str, *, message: str = "", compare: str = "ahead") -> str:
    commit = facts.commit(sha(name), at(1, 1), message=message)
    facts.deployment(deployed_at, ships=[commit], compare=compare)  # type: ignore[arg-type]
    return commit


def failures(facts: Facts, team: str = TEAM, **kwargs: object):  # type: ignore[no-untyped-def]
    result = compute_failures(
        facts.engine,
        [SCOPE],
        [W30],
        AS_OF,
        pagerduty_scopes=PAGERDUTY,
        attribution_window=timedelta(hours=24),
        **kwargs,  # type: ignore[arg-type]
    )
    return result.by_team_window[(team, "30d")], result


def rules(result: object) -> dict[int, list[str]]:
    return {
        d.key[3]: sorted(d.rules)
        for d in result.deployments
        if d.failed  # type: ignore[attr-defined]
    }


def test_explicit_sha_in_an_incident_fails_the_deployment_of_that_change(facts: Facts) -> None:
    c2 = ship(facts, at(10), "c2")
    ship(facts, at(12), "c3")
    # Starts 5 h after D3, but names D2's change by its first 7 characters: no window attribution.
    add_incident(facts, "I1", at(12, 5), resolved_at=at(12, 8), title=f"Checkout 500s, root cause: {c2[:7]}")
    metrics, result = failures(facts)
    assert rules(result) == {1002: ["explicit"]}
    assert metrics.change_failure_rate == approx(1 / 3)
    assert metrics.failed_deployment_recovery_hours_p50 == approx(2 * 24 + 8)  # 06-10 00:00 → 06-12 08:00
    assert (metrics.incidents, metrics.time_to_restore_hours_p50, metrics.time_to_restore_hours_p90) == (
        1,
        3.0,
        3.0,
    )


def test_explicit_full_sha_in_the_description_of_a_github_issue(facts: Facts) -> None:
    c2 = ship(facts, at(10), "c2")
    add_incident(
        facts,
        "acme/orders#7",
        at(20),
        source="github",
        service=REPO,
        title="Orders lost",
        description=f"Bisected to {c2}.",
    )
    metrics, result = failures(facts)
    assert rules(result) == {1002: ["explicit"]}
    assert metrics.failed_deployment_recovery_hours_p50 is None  # the issue is still open
    assert metrics.incidents == 1


def test_a_hex_word_that_begins_no_change_links_nothing(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    add_incident(facts, "I1", at(20), resolved_at=at(20, 1), title="deadbeef in logs, see 1234567")
    metrics, result = failures(facts)
    assert rules(result) == {}
    assert metrics.change_failure_rate == 0.0


def test_rollback_fails_the_deployment_it_rolls_back_and_is_rework(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    facts.deployment(at(11), sha=sha("d1"), compare="behind")
    metrics, result = failures(facts)
    assert rules(result) == {1002: ["rollback"]}
    assert metrics.change_failure_rate == approx(1 / 3)
    assert metrics.failed_deployment_recovery_hours_p50 == 24.0
    assert metrics.rework_rate == approx(1 / 3)  # the rollback itself


def test_two_deployments_at_one_instant_compared_behind_by_id_are_no_rollback(facts: Facts) -> None:
    """A merge queue merges a group at one instant: PR #3's commit c3 lands first, PR #2's c2 on top.
    Ordered by deployed_at then id (docs/metrics.md), D(#2) comes first and D(#3) compares ``behind`` it.
    Rule 2 wants a *later* deployment: at one instant neither is later, so there is no rollback, no
    failure, no 0 h recovery and no rework (D(#2) ships both changes, as in git's order).
    An hour later, a real rollback to d1 fails D(#3), the latest (SPEC §6.1 rule 2)."""
    c3 = facts.commit(sha("c3"), at(9, 20))
    c2 = facts.commit(sha("c2"), at(9, 22))
    facts.deployment(at(10), ships=[c3, c2], deployment_id=1002)
    facts.deployment(at(10), sha=c3, compare="behind", deployment_id=1003)
    metrics, result = failures(facts)
    assert rules(result) == {}
    assert (metrics.deployments, metrics.change_failure_rate, metrics.rework_rate) == (3, 0.0, 0.0)
    assert metrics.failed_deployment_recovery_hours_p50 is None
    facts.deployment(at(10, 1), sha=sha("d1"), compare="behind", deployment_id=1004)
    metrics, result = failures(facts)
    assert rules(result) == {1003: ["rollback"]}
    assert (metrics.change_failure_rate, metrics.rework_rate) == (approx(1 / 4), approx(1 / 4))
    assert metrics.failed_deployment_recovery_hours_p50 == approx(1.0)


def test_revert_commit_fails_the_deployment_of_the_reverted_change(facts: Facts) -> None:
    c2 = ship(facts, at(10), "c2")
    ship(facts, at(10, 6), "r2", message=f'Revert "Add cart"\n\nThis reverts commit {c2}.')
    metrics, result = failures(facts)
    assert rules(result) == {1002: ["revert"]}
    assert metrics.failed_deployment_recovery_hours_p50 == 6.0
    assert metrics.rework_rate == approx(1 / 3)  # the deployment shipping the revert


def test_a_revert_of_a_change_shipped_later_fails_nothing(facts: Facts) -> None:
    # The revert ships first; the "reverted" change only later: no earlier deployment to blame.
    r = ship(facts, at(10), "r2", message=f"This reverts commit {sha('c3')[:10]}.")
    ship(facts, at(11), "c3")
    _, result = failures(facts)
    assert r and rules(result) == {}


def test_window_incident_fails_the_latest_deployment_of_its_service(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    ship(facts, at(11), "c3")
    add_incident(facts, "I1", at(12), resolved_at=at(12, 2))  # exactly 24 h after D3: inside (F, F+24h]
    add_incident(facts, "I2", at(20), resolved_at=at(20, 1))  # 9 days after D3: fails nothing
    metrics, result = failures(facts)
    assert rules(result) == {1003: ["window"]}
    assert metrics.change_failure_rate == approx(1 / 3)
    assert metrics.failed_deployment_recovery_hours_p50 == 26.0  # 06-11 00:00 → 06-12 02:00
    assert metrics.incidents == 2
    assert metrics.time_to_restore_hours_p50 == 1.5  # 2 h and 1 h
    assert metrics.time_to_restore_hours_p90 == approx(1.9)


def test_window_just_past_the_attribution_window_fails_nothing(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    add_incident(facts, "I1", at(11) + timedelta(seconds=1), resolved_at=at(11, 1))
    _, result = failures(facts)
    assert rules(result) == {}


def test_an_incident_matching_two_rules_counts_its_deployment_once(facts: Facts) -> None:
    c2 = ship(facts, at(10), "c2")
    facts.deployment(at(10, 4), sha=sha("d1"), compare="behind")
    add_incident(facts, "I1", at(10, 1), resolved_at=at(10, 2), title=f"root cause: {c2[:12]}")
    metrics, result = failures(facts)
    assert rules(result) == {1002: ["explicit", "rollback"]}
    assert metrics.change_failure_rate == approx(1 / 3)
    assert metrics.failed_deployment_recovery_hours_p50 == 2.0  # the earlier end: the incident resolved


def test_an_incident_on_an_unowned_service_touches_no_team(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    add_incident(facts, "I9", at(10, 1), resolved_at=at(10, 2), service="P9")
    team, result = failures(facts)
    org, _ = failures(facts, team="*")
    assert rules(result) == {}
    assert (team.incidents, team.change_failure_rate, team.time_to_restore_hours_p50) == (0, 0.0, None)
    assert (org.incidents, org.time_to_restore_hours_p50) == (1, 1.0)


def test_an_open_incident_counts_in_incidents_but_not_in_recovery(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    add_incident(facts, "I1", at(10, 3))
    ship(facts, at(15), "c3")  # deployed while I1 is open: rework
    add_incident(facts, "I2", at(25), resolved_at=AS_OF + timedelta(hours=1))  # resolved after as_of: open
    metrics, result = failures(facts)
    assert rules(result) == {1002: ["window"]}  # I2 starts 10 days after D3: no window failure
    assert metrics.incidents == 2
    assert metrics.failed_deployment_recovery_hours_p50 is None
    assert metrics.time_to_restore_hours_p50 is None
    assert metrics.rework_rate == approx(1 / 3)


def test_a_pull_request_labelled_hotfix_makes_its_deployment_rework(facts: Facts) -> None:
    fix = facts.commit(sha("fix"), at(9))
    facts.pull_request(
        5,
        created_at=at(9, 1),
        merged_at=at(9, 2),
        merge_commit_sha=fix,
        commit_dates=[at(9)],
        reviews=[Review("bob", at(9, 1.5))],
    )
    add_label(facts, 5, "hotfix")
    facts.deployment(at(10), ships=[fix])
    feature = facts.commit(sha("feature"), at(11))
    facts.pull_request(6, created_at=at(11, 1), merged_at=at(11, 2), merge_commit_sha=feature)
    add_label(facts, 6, "feature")
    facts.deployment(at(12), ships=[feature])
    metrics, _ = failures(facts, rework_labels=["hotfix", "rollback", "revert", "incident"])
    assert metrics.rework_rate == approx(1 / 3)
    assert metrics.change_failure_rate == 0.0


def test_rework_labels_match_as_incident_labels_do_whatever_the_case_even_beyond_ascii(facts: Facts) -> None:
    """rework.labels [Straße-Fix, hotfix]: PR 5 labelled STRASSE-FIX (its case-folded form is
    strasse-fix, as Straße-Fix's is), PR 6 labelled HOTFIX, PR 7 labelled feature. The collector
    compares incident labels case-folded; rework labels are compared the same way, so 2 of the 4
    deployments (the first included) are rework: 0.5."""
    for number, name, label in ((5, "strasse", "STRASSE-FIX"), (6, "hot", "HOTFIX"), (7, "feat", "feature")):
        commit = facts.commit(sha(name), at(8 + number))
        facts.pull_request(
            number, created_at=at(8 + number, 1), merged_at=at(8 + number, 2), merge_commit_sha=commit
        )
        add_label(facts, number, label)
        facts.deployment(at(9 + number), ships=[commit])
    metrics, _ = failures(facts, rework_labels=["Straße-Fix", "hotfix"])
    assert metrics.deployments == 4
    assert metrics.rework_rate == 0.5


def test_nothing_to_measure_is_null_and_counts_are_zero(store_engine: Engine) -> None:
    empty = Facts(store_engine)
    metrics, _ = failures(empty)
    assert metrics.change_failure_rate is None
    assert metrics.rework_rate is None
    assert metrics.failed_deployment_recovery_hours_p50 is None
    assert metrics.time_to_restore_hours_p50 is None
    assert metrics.incidents == 0
    rows = compute_metrics(empty.engine, [SCOPE], [W30], AS_OF, pagerduty_scopes=PAGERDUTY).rows
    # No deployment is a frequency of 0 per day (a number: low); the others have nothing to measure.
    # "unowned" owns the collected service P9, and so has its row (SPEC §4, §6), repository or not.
    assert [row.team for row in rows] == ["*", TEAM, "unowned"]
    assert [row.bands for row in rows] == [
        {"deployment_frequency": "low", "lead_time": None, "change_failure_rate": None, "recovery": None}
    ] * 3


def test_bands_come_from_the_longest_window(facts: Facts) -> None:
    for day in range(2, 30):  # one deployment a day, each shipping a change authored 2 h before
        facts.commit(sha(f"daily{day}"), at(day) - timedelta(hours=2))
        facts.deployment(at(day), ships=[sha(f"daily{day}")])
    add_incident(facts, "I1", at(29, 12), resolved_at=at(29, 12.5))  # window failure of the 06-29 deployment
    add_incident(facts, "I9", at(5, 3), resolved_at=at(5, 3.25), service="P9")
    rows = compute_metrics(
        facts.engine, [SCOPE], [WindowSpec("7d", 7), W30], AS_OF, pagerduty_scopes=PAGERDUTY
    ).rows
    team = {row.window: row for row in rows if row.team == TEAM}
    # 30d is (05-31, 06-30]: 29 deployments (06-01…06-29) → 0.967/day: high; lead time 2 h: elite;
    # 1 failed of 29 = 3.4 %: elite; recovery 12.5 h: high. The 7d row carries the same bands.
    assert team["30d"].deployments == 29
    assert team["30d"].change_failure_rate == approx(1 / 29)
    assert team["30d"].failed_deployment_recovery_hours_p50 == 12.5
    expected = {
        "deployment_frequency": "high",
        "lead_time": "elite",
        "change_failure_rate": "elite",
        "recovery": "high",
    }
    assert team["30d"].bands == expected
    assert team["7d"].bands == expected
    # (06-23, 06-30]: 6 deployments, 1 failed = 16.7 %, low on its own; bands still come from 30d.
    assert (team["7d"].deployments, team["7d"].change_failure_rate) == (6, approx(1 / 6))


def test_recovery_band_falls_back_to_time_to_restore(facts: Facts) -> None:
    ship(facts, at(10), "c2")
    add_incident(facts, "I1", at(20), resolved_at=at(20, 30))  # 10 days after D2: no failed deployment
    (row,) = [
        r
        for r in compute_metrics(facts.engine, [SCOPE], [W30], AS_OF, pagerduty_scopes=PAGERDUTY).rows
        if r.team == TEAM
    ]
    assert (row.failed_deployment_recovery_hours_p50, row.time_to_restore_hours_p50) == (None, 30.0)
    assert row.bands["recovery"] == "medium"  # 30 h: under a week, not under a day
