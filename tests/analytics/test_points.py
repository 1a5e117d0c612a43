"""Several as_of points computed together (a snapshot's own, the previous window, the weekly trend)
give, point by point, exactly what computing each as_of alone gives, including evidence that holds
only for a while: a window attribution ends once the incident's explicitly named change is deployed."""

from __future__ import annotations

from pytest import approx

from analytics.dora import MetricPoint, TeamWindowMetrics
from analytics.metrics import MetricsResult, compute_metrics, compute_metrics_points
from analytics.windows import WindowSpec
from tests.analytics.facts import AS_OF, Facts, add_incident, at
from tests.analytics.test_failures import PAGERDUTY, SCOPE, TEAM, W30, facts, sha, ship

__all__ = ["facts"]  # the fixture, shared with test_failures


def test_window_attribution_holds_until_the_named_change_is_deployed(facts: Facts) -> None:
    ship(facts, at(10), "c2")  # deployment 1002
    # Names c3, which only ships on day 20: until then the incident has no explicit link.
    add_incident(facts, "I1", at(10, 5), resolved_at=at(10, 8), title=f"errors, root cause {sha('c3')[:7]}")
    ship(facts, at(20), "c3")  # deployment 1003
    settings = {"pagerduty_scopes": PAGERDUTY}
    day15, day25 = compute_metrics_points(
        facts.engine,
        [SCOPE],
        [MetricPoint(at(15), (W30,)), MetricPoint(at(25), (W30,))],
        band_windows=[W30, W30],
        **settings,  # type: ignore[arg-type]
    )
    team15 = next(row for row in day15.rows if row.team == TEAM)
    team25 = next(row for row in day25.rows if row.team == TEAM)
    # Day 15: the window rule fails 1002 (latest deployment of "orders" 5 h before), recovered in 8 h.
    assert (team15.deployments, team15.change_failure_rate) == (2, approx(1 / 2))
    assert team15.failed_deployment_recovery_hours_p50 == approx(8.0)
    # Day 25: the incident names 1003's change; resolved before 1003 was deployed, so no recovery.
    assert (team25.deployments, team25.change_failure_rate) == (3, approx(1 / 3))
    assert team25.failed_deployment_recovery_hours_p50 is None
    # The failed deployments are those of the latest point.
    assert [(d.deployment_id, d.rules) for d in day25.failed_deployments()] == [(1003, ("explicit",))]
    assert day15.failed_deployments() == []
    # Each point alone gives the same rows.
    for point, together in ((at(15), day15), (at(25), day25)):
        alone = compute_metrics(facts.engine, [SCOPE], [W30], point, **settings)  # type: ignore[arg-type]
        assert alone.rows == together.rows


def test_the_failed_deployments_listed_are_those_of_the_latest_points_windows(facts: Facts) -> None:
    c2 = ship(facts, at(10), "c2")  # deployment 1002, named by an incident: failed
    add_incident(facts, "I1", at(10, 5), resolved_at=at(10, 8), title=f"root cause {c2[:7]}")
    ship(facts, at(22), "c3")  # deployment 1003, in the latest point's 7-day window (06-18, 06-25]
    day15, day25 = compute_metrics_points(
        facts.engine,
        [SCOPE],
        [MetricPoint(at(15), (W30,)), MetricPoint(at(25), (W7,))],
        band_windows=[W30, W7],
        pagerduty_scopes=PAGERDUTY,
    )
    team15 = next(row for row in day15.rows if row.team == TEAM)
    # The earlier point counts 1002 as failed (2 deployments in its 30 days, one failed) ...
    assert (team15.deployments, team15.change_failure_rate) == (2, approx(1 / 2))
    # ... but the list is the latest point's: 1002 is before its window, 1003 did not fail.
    assert day25.failed_deployments() == []
    assert day15.failed_deployments() == []
    # Alone, with a window that reaches 1002, the latest point lists it.
    alone = compute_metrics(facts.engine, [SCOPE], [W30], at(25), pagerduty_scopes=PAGERDUTY)
    assert [(d.deployment_id, d.rules) for d in alone.failed_deployments()] == [(1002, ("explicit",))]


# -- a snapshot reads the deployments from its earliest window's start on ---------------------------
# As of 06-30 with a 7-day window only, the deployments before 06-23 are not read; what they would
# change about the deployments in the window must still count.
W7 = WindowSpec("7d", 7)


def _team_7d(facts: Facts) -> tuple[TeamWindowMetrics, MetricsResult]:
    (result,) = compute_metrics_points(
        facts.engine,
        [SCOPE],
        [MetricPoint(AS_OF, (W7,))],
        band_windows=[W7],
        pagerduty_scopes=PAGERDUTY,
    )  # the default settings: a 24-hour attribution window
    return next(row for row in result.rows if row.team == TEAM), result


def test_an_incident_naming_an_older_change_does_not_fail_a_recent_deployment_by_window(facts: Facts) -> None:
    c2 = ship(facts, at(5), "c2")  # deployment 1002, before the window
    ship(facts, at(26), "c3")  # deployment 1003, in it
    # 5 h after 1003, but names 1002's change: explicit for 1002, so no window attribution to 1003.
    add_incident(facts, "I1", at(26, 5), resolved_at=at(26, 8), title=f"root cause: {c2[:7]}")
    team, result = _team_7d(facts)
    assert (team.deployments, team.change_failure_rate, team.incidents) == (1, 0.0, 1)
    assert result.failed_deployments() == []  # 1002 failed, but before the window's start
    # The 30-day window reads 1002 too: it is the failed one.
    alone = compute_metrics(facts.engine, [SCOPE], [W30], AS_OF, pagerduty_scopes=PAGERDUTY)
    assert [(d.deployment_id, d.rules) for d in alone.failed_deployments()] == [(1002, ("explicit",))]


def test_an_incident_open_since_before_the_window_makes_its_deployments_rework(facts: Facts) -> None:
    add_incident(facts, "I1", at(10))  # still open as of 06-30; no deployment within 24 h before it
    add_incident(facts, "I2", at(12), resolved_at=at(13))  # over before the window: changes nothing
    ship(facts, at(26), "c2")  # deployment 1002, while I1 is open
    team, _ = _team_7d(facts)
    assert (team.deployments, team.rework_rate, team.change_failure_rate, team.incidents) == (1, 1.0, 0.0, 0)


def test_a_revert_in_the_window_of_an_older_change_is_rework_but_no_failure_in_it(facts: Facts) -> None:
    c2 = ship(facts, at(5), "c2")  # deployment 1002, before the window
    ship(facts, at(26), "r2", message=f'Revert "Add cart"\n\nThis reverts commit {c2}.')  # 1003
    team, result = _team_7d(facts)
    assert (team.deployments, team.rework_rate, team.change_failure_rate) == (1, 1.0, 0.0)
    assert result.failed_deployments() == []
