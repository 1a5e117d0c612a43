"""Several as_of points computed together (a snapshot's own, the previous window, the weekly trend)
give, point by point, exactly what computing each as_of alone gives, including evidence that holds
only for a while: a window attribution ends once the incident's explicitly named change is deployed."""

from __future__ import annotations

from pytest import approx

from analytics.dora import MetricPoint
from analytics.metrics import compute_metrics, compute_metrics_points
from tests.analytics.facts import Facts, add_incident, at
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
