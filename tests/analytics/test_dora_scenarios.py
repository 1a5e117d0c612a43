"""DORA delivery metrics over hand-built histories: every expected number is worked out in the test.

Times are in June 2026 (``at(day, hour)``), ``as_of`` is 2026-06-30 00:00 UTC. Unless a test says
otherwise the repo's first deployment is on June 1 and has compare status ``first``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from analytics.dora import TeamWindowMetrics, compute_dora
from analytics.ownership import RepoScope
from analytics.windows import WindowSpec
from tests.analytics.facts import AS_OF, METRIC_KEYS, PRODUCTION, REPO, SOURCE, Facts, Review, at
from tests.analytics.scenario import NO_BREAKDOWN, TEAM, W7, W30

SCOPE = RepoScope(repo=REPO, team=TEAM, source=SOURCE, environment=PRODUCTION)


def approx(value: float) -> object:
    # percentile_cont interpolates in floating point: 1h, 2h, 3h give a p90 of 2.8000000000000003.
    return pytest.approx(value, rel=1e-12, abs=1e-12)


@pytest.fixture
def facts(store_engine: Engine) -> Facts:
    history = Facts(store_engine)
    history.deployment(at(1), compare="first")
    return history


def metrics(
    facts: Facts,
    *,
    scopes: Sequence[RepoScope] = (SCOPE,),
    windows: Sequence[WindowSpec] = (W30,),
    as_of: datetime = AS_OF,
) -> dict[tuple[str, str], TeamWindowMetrics]:
    return {(row.team, row.window): row for row in compute_dora(facts.engine, scopes, windows, as_of)}


def team_30d(facts: Facts) -> TeamWindowMetrics:
    return metrics(facts)[TEAM, "30d"]


def deploy_changes(facts: Facts, deployed_at: datetime, authored: Sequence[datetime]) -> None:
    """One deployment shipping one direct commit (no PR) per author date."""
    shas = [facts.commit(f"c-{deployed_at:%d%H%M}-{i}", date) for i, date in enumerate(authored)]
    facts.deployment(deployed_at, ships=shas)


# -- changes and their start --------------------------------------------------------------------------


def test_squash_merge_starts_at_the_pull_requests_first_commit(facts: Facts) -> None:
    facts.commit("squash1", at(10, 6))  # the squash commit is authored at merge time
    facts.pull_request(
        1,
        created_at=at(10),
        merged_at=at(10, 6),
        merge_commit_sha="squash1",
        commit_dates=[at(9, 12), at(9, 20)],
    )
    facts.deployment(at(10, 10), ships=["squash1"])

    row = team_30d(facts)
    # 06-10 10:00 − 06-09 12:00 = 22 h, not 06-10 10:00 − 06-10 06:00 = 4 h.
    assert row.deployments == 2
    assert row.lead_time_hours_p50 == approx(22.0)
    assert row.lead_time_hours_p90 == approx(22.0)


def test_merge_commits_are_not_changes(facts: Facts) -> None:
    facts.commit("a1", at(9))
    facts.commit("a2", at(9, 6))
    facts.commit("merge1", at(9, 23), parents=2)
    facts.pull_request(
        1,
        created_at=at(9, 8),
        merged_at=at(9, 23),
        merge_commit_sha="merge1",
        commit_dates=[at(9), at(9, 6)],
    )
    facts.deployment(at(10), ships=["a1", "a2", "merge1"])

    row = team_30d(facts)
    # Changes a1 (24 h) and a2 (18 h); merge1 would have added a third (24 h, from the PR's first commit).
    assert row.lead_time_hours_p50 == approx(21.0)
    assert row.lead_time_hours_p90 == approx(18.0 + 0.9 * 6.0)  # 23.4
    # The PR is still deployed by the deployment shipping its merge commit: 06-09 23:00 → 06-10 00:00.
    assert row.lead_time_breakdown_hours_p50["deploy"] == approx(1.0)


def test_rebase_merge_only_the_last_commit_takes_the_pull_requests_first_date(facts: Facts) -> None:
    # Rebased commits keep their author dates; the PR's merge_commit_sha is the last of them.
    facts.commit("r1", at(7))
    facts.commit("r2", at(9, 12))
    facts.commit("r3", at(9, 18))
    facts.commit("r4", at(9, 21))
    facts.pull_request(
        1,
        created_at=at(9, 22),
        merged_at=at(9, 23),
        merge_commit_sha="r4",
        commit_dates=[at(7), at(9, 12), at(9, 18), at(9, 21)],
    )
    facts.deployment(at(10), ships=["r1", "r2", "r3", "r4"])

    row = team_30d(facts)
    # r1 72 h, r2 12 h, r3 6 h, r4 from 06-07: 72 h → sorted 6, 12, 72, 72.
    # (Every commit from the PR's date would give 72; every commit from its own date 3, 6, 12, 72.)
    assert row.lead_time_hours_p50 == approx(42.0)
    assert row.lead_time_hours_p90 == approx(72.0)


def test_pull_request_commits_out_of_date_order_start_at_the_earliest(facts: Facts) -> None:
    facts.commit("squash1", at(10))
    facts.pull_request(
        1,
        created_at=at(9, 20),
        merged_at=at(10),
        merge_commit_sha="squash1",
        commit_dates=[at(9, 12), at(8), at(9, 18)],  # the second commit is the oldest
    )
    facts.deployment(at(10, 12), ships=["squash1"])

    row = team_30d(facts)
    assert row.lead_time_hours_p50 == approx(60.0)  # from 06-08 00:00, not 36 h from 06-09 12:00
    assert row.lead_time_breakdown_hours_p50["coding"] == approx(44.0)  # 06-08 00:00 → 06-09 20:00


def test_direct_commit_starts_at_its_author_date(facts: Facts) -> None:
    deploy_changes(facts, at(12), [at(11, 15)])
    assert team_30d(facts).lead_time_hours_p50 == approx(9.0)


# -- which deployments count and which have changes ---------------------------------------------------


def test_first_deployment_adds_no_lead_times(store_engine: Engine) -> None:
    facts = Facts(store_engine)
    # Even if commits were recorded for it, the first deployment's changes are unknown: no lead time.
    # The PR its own commit merged it does ship, with no deploy stage (SPEC §5.2): coding at(1) → at(1)
    # = 0 h, no review, so no pickup or review either.
    facts.commit("ancient", datetime(2020, 1, 1, tzinfo=UTC))
    facts.commit("merge0", at(1), parents=2)
    facts.pull_request(0, created_at=at(1), merged_at=at(1), merge_commit_sha="merge0", commit_dates=[at(1)])
    facts.deployment(at(2), ships=["ancient", "merge0"], compare="first")

    row = team_30d(facts)
    assert row.deployments == 1
    assert row.deployment_frequency_per_day == 1 / 30
    assert row.lead_time_hours_p50 is None
    assert row.lead_time_hours_p90 is None
    assert row.lead_time_breakdown_hours_p50 == {**NO_BREAKDOWN, "coding": 0.0}


def test_unknown_or_missing_compare_adds_no_lead_times(facts: Facts) -> None:
    facts.commit("u1", at(9))
    facts.deployment(at(10), ships=["u1"], compare="unknown")
    facts.commit("u2", at(11))
    facts.deployment(at(12), compare=None)  # the collector has not compared it yet

    row = team_30d(facts)
    assert row.deployments == 3
    assert row.lead_time_hours_p50 is None
    assert row.lead_time_breakdown_hours_p50 == NO_BREAKDOWN


def test_staging_deployments_and_other_sources_are_ignored(facts: Facts) -> None:
    facts.commit("x1", at(9))
    # Staging shipped x1 first, with a compare of its own; it must neither count nor claim x1.
    facts.deployment(at(9, 1), environment="staging", compare="first")
    facts.deployment(at(9, 2), environment="staging", ships=["x1"])
    facts.deployment(at(9, 3), source="workflow_runs", compare="first")
    facts.deployment(at(9, 4), source="workflow_runs", ships=["x1"])
    facts.deployment(at(10), ships=["x1"])

    row = team_30d(facts)
    assert row.deployments == 2
    assert row.lead_time_hours_p50 == approx(24.0)


def test_failed_attempts_are_not_deployments(store_engine: Engine) -> None:
    facts = Facts(store_engine)
    facts.deployment(None)
    facts.deployment(None)

    row = team_30d(facts)
    assert row.deployments == 0
    assert row.deployment_frequency_per_day == 0.0
    assert row.lead_time_hours_p50 is None


def test_failed_attempt_between_deployments_changes_nothing(facts: Facts) -> None:
    facts.commit("f1", at(9))
    facts.deployment(None, sha="f1")
    facts.deployment(at(10), ships=["f1"])

    row = team_30d(facts)
    assert row.deployments == 2
    assert row.lead_time_hours_p50 == approx(24.0)


def test_rollback_has_no_changes_and_reshipped_commits_count_once(facts: Facts) -> None:
    facts.commit("A", at(5))
    facts.commit("B", at(5, 12))
    facts.pull_request(1, created_at=at(5, 13), merged_at=at(5, 20), merge_commit_sha="B", commit_dates=[])
    facts.deployment(at(6), ships=["A", "B"])  # A 24 h, B 12 h
    facts.deployment(at(7), sha="sha-of-june-1", compare="behind")  # rollback: no changes
    facts.commit("C", at(7, 12))
    facts.deployment(at(8), ships=["A", "B", "C"])  # only C is new: 12 h

    row = team_30d(facts)
    assert row.deployments == 4
    # 12, 12, 24 (re-counting A and B would add 72 and 60).
    assert row.lead_time_hours_p50 == approx(12.0)
    assert row.lead_time_hours_p90 == approx(12.0 + 0.8 * 12.0)  # 21.6
    # The PR merged as B was deployed by the first deployment shipping B: 06-05 20:00 → 06-06 00:00.
    assert row.lead_time_breakdown_hours_p50["deploy"] == approx(4.0)


def test_identical_redeploy_has_no_changes(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9)])
    facts.deployment(at(11), sha="c-100000-0", compare="identical")

    row = team_30d(facts)
    assert row.deployments == 3
    assert row.lead_time_hours_p50 == approx(24.0)
    assert row.lead_time_hours_p90 == approx(24.0)


def test_rollback_and_redeploy_have_no_changes_whatever_their_compare_lists(facts: Facts) -> None:
    # GitHub lists no commits for a behind or identical compare; should a store hold some, they are
    # still not changes of a rollback or a redeploy.
    facts.commit("odd1", at(9))
    facts.deployment(at(10), ships=["odd1"], compare="behind")
    facts.commit("odd2", at(11))
    facts.deployment(at(12), ships=["odd2"], compare="identical")

    row = team_30d(facts)
    assert row.deployments == 3
    assert row.lead_time_hours_p50 is None


def test_diverged_deployment_has_changes(facts: Facts) -> None:
    facts.commit("hotfix", at(9, 18))
    facts.deployment(at(10), ships=["hotfix"], compare="diverged")
    assert team_30d(facts).lead_time_hours_p50 == approx(6.0)


# -- windows and as_of ------------------------------------------------------------------------------


def test_window_edges_are_half_open(facts: Facts) -> None:
    deploy_changes(facts, at(23), [at(22, 23)])  # exactly as_of − 7 days: outside 7d; lead time 1 h
    deploy_changes(facts, at(30), [at(29, 22)])  # exactly as_of: inside; lead time 2 h

    rows = metrics(facts, windows=[W7, W30])
    week, month = rows[TEAM, "7d"], rows[TEAM, "30d"]
    assert week.deployments == 1
    assert week.deployment_frequency_per_day == 1 / 7
    assert week.lead_time_hours_p50 == approx(2.0)
    assert week.window_days == 7
    # 30d starts after 05-31 00:00: the 06-01 first deployment is in.
    assert month.deployments == 3
    assert month.deployment_frequency_per_day == 3 / 30
    assert month.lead_time_hours_p50 == approx(1.5)
    assert month.lead_time_hours_p90 == approx(1.9)


def test_deployment_exactly_n_days_before_as_of_is_out(store_engine: Engine) -> None:
    facts = Facts(store_engine)
    facts.deployment(datetime(2026, 5, 31, tzinfo=UTC), compare="first")  # as_of − 30 days
    assert team_30d(facts).deployments == 0


def test_facts_after_as_of_are_ignored(facts: Facts) -> None:
    facts.commit("x1", at(28))
    # x1 was pushed directly and deployed; a PR naming it as merge commit was merged after as_of, so as of
    # 06-30 there was no merged PR and x1 starts at its own author date.
    facts.pull_request(
        1,
        created_at=at(27),
        merged_at=datetime(2026, 7, 1, tzinfo=UTC),
        merge_commit_sha="x1",
        commit_dates=[at(20)],
    )
    facts.deployment(at(29), ships=["x1"])  # 24 h
    facts.commit("x2", at(29, 12))
    facts.deployment(datetime(2026, 7, 1, tzinfo=UTC), ships=["x2"])  # after as_of
    facts.deployment(datetime(2026, 7, 2, tzinfo=UTC), compare="behind")

    row = team_30d(facts)
    assert row.deployments == 2
    assert row.lead_time_hours_p50 == approx(24.0)
    assert row.lead_time_hours_p90 == approx(24.0)
    assert row.lead_time_breakdown_hours_p50 == NO_BREAKDOWN
    # Seen from 07-03, the window (06-03, 07-03] holds the deployments of 06-29, 07-01 and 07-02.
    assert metrics(facts, as_of=datetime(2026, 7, 3, tzinfo=UTC))[TEAM, "30d"].deployments == 3


def test_aware_as_of_in_another_zone_is_the_same_instant(facts: Facts) -> None:
    deploy_changes(facts, at(29), [at(28)])
    paris_as_of = datetime(2026, 6, 30, 2, tzinfo=timezone(timedelta(hours=2)))
    row = metrics(facts, as_of=paris_as_of)[TEAM, "30d"]
    assert row.as_of == AS_OF
    assert row.as_of.tzinfo == UTC
    assert row.deployments == 2


# -- percentiles --------------------------------------------------------------------------------------


def test_percentiles_of_one_value(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9, 19)])
    row = team_30d(facts)
    assert row.lead_time_hours_p50 == approx(5.0)
    assert row.lead_time_hours_p90 == approx(5.0)


def test_percentiles_of_two_values(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9, 23), at(9, 22)])
    row = team_30d(facts)
    assert row.lead_time_hours_p50 == approx(1.5)
    assert row.lead_time_hours_p90 == approx(1.9)


def test_percentiles_of_three_values(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9, 23), at(9, 22)])
    deploy_changes(facts, at(11), [at(10, 21)])
    row = team_30d(facts)
    assert row.lead_time_hours_p50 == approx(2.0)
    assert row.lead_time_hours_p90 == approx(2.8)


def test_lead_times_of_zero_or_less_are_dropped(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(10), at(10, 1), at(9, 20)])  # 0 h, −1 h, 4 h
    row = team_30d(facts)
    assert row.lead_time_hours_p50 == approx(4.0)
    assert row.lead_time_hours_p90 == approx(4.0)


def test_only_nonpositive_lead_times_give_null(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(10, 2)])
    row = team_30d(facts)
    assert row.deployments == 2
    assert row.lead_time_hours_p50 is None
    assert row.lead_time_hours_p90 is None


# -- lead time breakdown ------------------------------------------------------------------------------


def test_breakdown_stages_with_and_without_reviews(facts: Facts) -> None:
    facts.commit("pr1", at(10, 9))
    facts.pull_request(
        1,
        commit_dates=[at(10)],
        created_at=at(10, 4),  # coding 4 h
        reviews=[Review("bob", at(10, 6), "COMMENTED"), Review("carol", at(10, 7))],  # pickup 2 h
        merged_at=at(10, 9),  # review 3 h
        merge_commit_sha="pr1",
    )
    facts.deployment(at(10, 10), ships=["pr1"])  # deploy 1 h
    facts.commit("pr2", at(11, 3))
    facts.pull_request(
        2,
        commit_dates=[at(11)],
        created_at=at(11, 2),  # coding 2 h
        merged_at=at(11, 3),  # no review: no pickup, no review stage
        merge_commit_sha="pr2",
    )
    facts.deployment(at(11, 9), ships=["pr2"])  # deploy 6 h

    assert team_30d(facts).lead_time_breakdown_hours_p50 == {
        "coding": approx(3.0),
        "pickup": approx(2.0),
        "review": approx(3.0),
        "deploy": approx(3.5),
    }


def test_breakdown_ignores_self_reviews_and_pending_reviews(facts: Facts) -> None:
    facts.commit("pr1", at(10, 9))
    facts.pull_request(
        1,
        commit_dates=[at(10)],
        created_at=at(10, 1),
        author="alice",
        reviews=[
            Review("alice", at(10, 2), "COMMENTED"),  # the author answering: not a review
            Review("bob", at(10, 3), "PENDING"),  # a draft review, not submitted
            Review("carol", at(10, 5), "CHANGES_REQUESTED"),  # the first review: pickup 4 h
        ],
        merged_at=at(10, 8),  # review 3 h
        merge_commit_sha="pr1",
    )
    facts.deployment(at(10, 10), ships=["pr1"])

    breakdown = team_30d(facts).lead_time_breakdown_hours_p50
    assert breakdown["pickup"] == approx(4.0)
    assert breakdown["review"] == approx(3.0)


def test_breakdown_ignores_post_merge_reviews(facts: Facts) -> None:
    facts.commit("pr1", at(10, 8))
    facts.pull_request(
        1,
        commit_dates=[at(10)],
        created_at=at(10, 1),
        reviews=[Review("bob", at(10, 12))],  # after the merge
        merged_at=at(10, 8),
        merge_commit_sha="pr1",
    )
    facts.deployment(at(10, 10), ships=["pr1"])

    assert team_30d(facts).lead_time_breakdown_hours_p50 == {
        "coding": approx(1.0),
        "pickup": None,
        "review": None,
        "deploy": approx(2.0),
    }


def test_negative_breakdown_stages_are_dropped(facts: Facts) -> None:
    facts.commit("pr1", at(10, 8))
    facts.pull_request(
        1,
        commit_dates=[at(10, 3)],  # authored after the PR was opened: coding −2 h, dropped
        created_at=at(10, 1),
        reviews=[Review("bob", at(10, 2))],
        merged_at=at(10, 8),
        merge_commit_sha="pr1",
    )
    facts.commit("pr2", at(10, 9))
    facts.pull_request(
        2,
        commit_dates=[at(9)],
        created_at=at(10, 1),  # coding 25 h
        merged_at=at(10, 9),
        merge_commit_sha="pr2",
    )
    facts.deployment(at(10, 10), ships=["pr1", "pr2"])

    assert team_30d(facts).lead_time_breakdown_hours_p50 == {
        "coding": approx(25.0),
        "pickup": approx(1.0),
        "review": approx(6.0),
        "deploy": approx(1.5),  # 2 h and 1 h
    }


# -- teams --------------------------------------------------------------------------------------------


def test_organisation_row_includes_unowned_repos(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9, 22)])  # order-team: 2 h
    facts.deployment(at(1), repo="acme/legacy", compare="first")
    facts.commit("l1", at(11, 20), repo="acme/legacy")
    facts.deployment(at(12), repo="acme/legacy", ships=["l1"])  # unowned: 4 h
    legacy = RepoScope(repo="acme/legacy", team="unowned", source=SOURCE, environment=PRODUCTION)

    rows = metrics(facts, scopes=[SCOPE, legacy])
    assert sorted(rows) == [("*", "30d"), (TEAM, "30d"), ("unowned", "30d")]
    assert rows["unowned", "30d"].deployments == 2
    assert rows["unowned", "30d"].lead_time_hours_p50 == approx(4.0)
    assert rows["*", "30d"].deployments == 4
    assert rows["*", "30d"].lead_time_hours_p50 == approx(3.0)
    assert rows["*", "30d"].lead_time_hours_p90 == approx(3.8)


def test_two_teams_are_kept_apart(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9, 14)])  # order-team: 10 h
    facts.deployment(at(1), repo="acme/pay", compare="first")
    facts.commit("p1", at(11, 4), repo="acme/pay")
    facts.commit("p2", at(11, 18), repo="acme/pay")
    facts.deployment(at(12, 0), repo="acme/pay", ships=["p1", "p2"])  # payments: 20 h, 6 h
    facts.commit("p3", at(13, 6), repo="acme/pay")
    facts.deployment(at(14, 0), repo="acme/pay", ships=["p3"])  # 18 h
    pay = RepoScope(repo="acme/pay", team="payments", source=SOURCE, environment=PRODUCTION)

    rows = metrics(facts, scopes=[SCOPE, pay])
    orders, payments, organisation = rows[TEAM, "30d"], rows["payments", "30d"], rows["*", "30d"]
    assert (orders.deployments, payments.deployments, organisation.deployments) == (2, 3, 5)
    assert orders.lead_time_hours_p50 == approx(10.0)
    assert payments.lead_time_hours_p50 == approx(18.0)
    assert payments.lead_time_hours_p90 == approx(18.0 + 0.8 * 2.0)  # 6, 18, 20 → 19.6
    assert organisation.lead_time_hours_p50 == approx(14.0)  # 6, 10, 18, 20
    assert organisation.lead_time_hours_p90 == approx(18.0 + 0.7 * 2.0)  # 19.4


def test_nulls_where_there_is_nothing_to_measure(store_engine: Engine) -> None:
    facts = Facts(store_engine)
    idle = RepoScope(repo="acme/idle", team="idle-team", source=SOURCE, environment=PRODUCTION)

    rows = metrics(facts, scopes=[idle], windows=[W7])
    assert sorted(rows) == [("*", "7d"), ("idle-team", "7d")]
    for row in rows.values():
        assert row.deployments == 0
        assert row.deployment_frequency_per_day == 0.0
        assert row.lead_time_hours_p50 is None
        assert row.lead_time_hours_p90 is None
        assert row.lead_time_breakdown_hours_p50 == NO_BREAKDOWN


def test_no_scopes_or_no_windows_give_no_rows(facts: Facts) -> None:
    assert compute_dora(facts.engine, [], [W7], AS_OF) == []
    assert compute_dora(facts.engine, [SCOPE], [], AS_OF) == []


def test_a_window_label_given_twice_is_refused(facts: Facts) -> None:
    with pytest.raises(ValueError, match="once"):
        compute_dora(facts.engine, [SCOPE], [W7, WindowSpec("7d", 8)], AS_OF)


# -- output shape -------------------------------------------------------------------------------------


def test_rows_sorted_by_team_with_organisation_first_then_window_length(facts: Facts) -> None:
    scopes = [
        RepoScope(repo="acme/z", team="zeta", source=SOURCE, environment=PRODUCTION),
        RepoScope(repo="acme/a", team="alpha", source=SOURCE, environment=PRODUCTION),
        SCOPE,
    ]
    windows = [WindowSpec("90d", 90), W7, W30]
    rows = compute_dora(facts.engine, scopes, windows, AS_OF)
    assert [(row.team, row.window) for row in rows] == [
        (team, window) for team in ("*", "alpha", TEAM, "zeta") for window in ("7d", "30d", "90d")
    ]


def test_json_dict_keys_and_values(facts: Facts) -> None:
    deploy_changes(facts, at(10), [at(9, 22)])
    document = team_30d(facts).to_json_dict()
    assert list(document) == METRIC_KEYS
    assert list(document["lead_time_breakdown_hours_p50"]) == ["coding", "pickup", "review", "deploy"]
    assert document == {
        "team": TEAM,
        "window": "30d",
        "as_of": "2026-06-30T00:00:00Z",
        "deployments": 2,
        "deployment_frequency_per_day": 2 / 30,
        "lead_time_hours_p50": approx(2.0),
        "lead_time_hours_p90": approx(2.0),
        # compute_dora gives the delivery half; analytics.metrics adds failures and bands (test_failures).
        "change_failure_rate": None,
        "failed_deployment_recovery_hours_p50": None,
        "time_to_restore_hours_p50": None,
        "time_to_restore_hours_p90": None,
        "incidents": 0,
        "rework_rate": None,
        "lead_time_breakdown_hours_p50": NO_BREAKDOWN,
        "bands": {
            "deployment_frequency": None,
            "lead_time": None,
            "change_failure_rate": None,
            "recovery": None,
        },
    }
    assert isinstance(document["lead_time_hours_p50"], float)
