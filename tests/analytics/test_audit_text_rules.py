"""Audit: the text rules of SPEC §6.1 (explicit links, ``This reverts commit``) and §6.2 (rework labels)
meeting the other rules. Facts builder → ``compute_metrics``; every number worked out by hand from SPEC.

June 2026 (``at(day, hour)``), as of 06-30 00:00 UTC unless a scenario says otherwise, window 30d =
(05-31 00:00, 06-30 00:00], attribution window 24 h. Team ``order-team`` owns repo acme/orders (service
``orders``) and PagerDuty service P1; team ``payments`` owns acme/pay (service ``pay``) and P2; P9 is a
``service_ids`` service nobody owns (team ``unowned``, no service). Each repo's first deployment (06-01
00:00, compare ``first``) counts as a deployment with unknown changes. Percentiles are
``percentile_cont``: the value at position p × (n − 1) of the sorted values.

Reading of SPEC §6.1 rule 1 used throughout (docs/metrics.md "Text rules in SQL"): the "hex string of 7
to 40 characters" is a whole word of the text (a run of [0-9a-z], case folded); a longer hex word (a
64-digit digest) or a word that also holds other letters is no such string.
"""

from __future__ import annotations

from analytics.ownership import PagerDutyScope
from tests.analytics.facts import REPO, Facts, add_incident, add_label, at, sha
from tests.analytics.scenario import (
    ORDERS,
    P1,
    P2,
    PAY,
    PAY_REPO,
    PAY_TEAM,
    TEAM,
    check,
    failed,
    first,
    rows_30d,
    run,
    ship,
)

P9 = PagerDutyScope("P9", "unowned", ())


# -- explicit links: the shapes a sha takes in real incident text ----------------------------------------


def test_uppercase_sha_in_a_commit_url_and_a_parenthesised_root_cause_prefix(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 20:00) at 06-10: lead 4 h. D3 c3 (06-11 22:00) at 06-12: lead 2 h. D4 c4
    (06-13 21:00) at 06-14: lead 3 h.

    I1, a GitHub issue of acme/orders, 06-14 02:00 → 05:00, body ``Bisected:
    https://github.com/acme/orders/commit/<C2 IN CAPITALS>#diff-1``: the URL's path holds the 40-digit
    hex string (case folded) that begins c2 → D2 explicit. I2 on P1, 06-14 10:00 → 12:00, title ``Root
    Cause: (<C3[:7]>).``: a 7-digit hex string between punctuation → D3 explicit. Both incidents started
    within 24 h of D4 (2 h and 10 h) but have an explicit link, so rule 4 does not fail D4.

    Deployments 4; failed D2, D3 → CFR 2/4 = 0.5. Recovery: D2 06-10 00:00 → I1 resolved 06-14 05:00 =
    101 h; D3 06-12 00:00 → I2 resolved 06-14 12:00 = 60 h; p50 = (60 + 101)/2 = 80.5. Incidents 2;
    restore 3 h and 2 h → p50 2.5, p90 2 + 0.9 × 1 = 2.9. Rework: D4 (06-14 00:00) precedes both
    incidents: 0. Lead 2, 3, 4 → p50 3, p90 3 + 0.8 × 1 = 3.8.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 20))])
    d3 = ship(facts, at(12), [("c3", at(11, 22))])
    d4 = ship(facts, at(14), [("c4", at(13, 21))])
    add_incident(
        facts,
        f"{REPO}#41",
        at(14, 2),
        resolved_at=at(14, 5),
        source="github",
        service=REPO,
        title="Checkout totals wrong",
        description=f"Bisected: https://github.com/acme/orders/commit/{sha('c2').upper()}#diff-1",
    )
    add_incident(
        facts, "I2", at(14, 10), resolved_at=at(14, 12), title=f"Root Cause: ({sha('c3')[:7].upper()})."
    )
    result = run(facts)
    assert failed(result) == {d2: ("explicit",), d3: ("explicit",)}
    assert d4 not in failed(result)
    check(
        rows_30d(result)[TEAM],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=80.5,
        incidents=2,
        time_to_restore_hours_p50=2.5,
        time_to_restore_hours_p90=2.9,
        rework_rate=0.0,
        lead_time_hours_p50=3.0,
        lead_time_hours_p90=3.8,
    )


def test_a_64_digit_digest_and_a_longer_prefix_that_differs_link_nothing(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 20:00) at 06-10: lead 4 h. D3 c3 (06-11 23:00) at 06-12: lead 1 h.

    I1 on P1, 06-12 03:00 → 07:00, description ``image sha256:<c2 + 24 zeros> pulled; bad build
    <c2[:7] + x>`` where x differs from c2's 8th digit. The digest is one 64-digit hex word: not a hex
    string of 7 to 40 characters (reading above). The 8-digit word is 7–40 hex characters but does not
    begin c2 (its 8th digit differs), nor any other sha. So I1 has no explicit link; rule 4: D3 is the
    latest deployment of service orders before 03:00, 3 h before → D3 failed (window), recovered at
    07:00: 7 h.

    Deployments 3; CFR 1/3; recovery 7; incidents 1; restore 4; rework 0; lead 4, 1 → p50 2.5.
    """
    first(facts)
    ship(facts, at(10), [("c2", at(9, 20))])
    d3 = ship(facts, at(12), [("c3", at(11, 23))])
    c2 = sha("c2")
    other = "0" if c2[7] != "0" else "1"
    assert sha("c3")[:7] != c2[:7] and sha(f"first-{REPO}")[:7] != c2[:7]
    add_incident(
        facts,
        "I1",
        at(12, 3),
        resolved_at=at(12, 7),
        title="Pods crash-looping",
        description=f"image sha256:{c2}{'0' * 24} pulled; bad build {c2[:7]}{other}",
    )
    result = run(facts)
    assert failed(result) == {d3: ("window",)}
    check(
        rows_30d(result)[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=7.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=0.0,
        lead_time_hours_p50=2.5,
    )


def test_a_seven_digit_prefix_of_changes_of_two_teams_fails_both(facts: Facts) -> None:
    """Two changes whose shas share their first 7 digits ``abcdef1``: s1 in acme/orders, s2 in acme/pay.

    orders: D1 first; D2 s1 (06-09 22:00) at 06-10 00:00: lead 2 h. pay: E1 first; E2 s2 (06-10 21:00)
    at 06-11 00:00: lead 3 h. I1 on P1 (order-team), 06-11 02:00 → 05:00, title ``Checkout errors, root
    cause: ABCDEF1``: that hex string begins the sha of a change of D2 and of a change of E2 → both
    failed (explicit). (Rule 4 would not apply anyway: D2 is 26 h before I1.)

    order-team: deployments 2; CFR 1/2; recovery D2 06-10 00:00 → 06-11 05:00 = 29 h; incidents 1;
    restore 3; rework 0; lead 2. payments: deployments 2; CFR 1/2; recovery E2 06-11 00:00 → 05:00 =
    5 h; incidents 0 (P1 is not theirs); restore null; lead 3. "*": deployments 4; CFR 2/4; recovery
    p50 (5 + 29)/2 = 17; incidents 1; restore 3.
    """
    s1, s2 = "abcdef1" + "0" * 33, "abcdef1" + "f" * 33
    first(facts)
    first(facts, repo=PAY_REPO)
    d2 = facts.deployment(at(10), ships=[facts.commit(s1, at(9, 22))])
    e2 = facts.deployment(at(11), ships=[facts.commit(s2, at(10, 21), repo=PAY_REPO)], repo=PAY_REPO)
    add_incident(facts, "I1", at(11, 2), resolved_at=at(11, 5), title="Checkout errors, root cause: ABCDEF1")
    result = run(facts, (ORDERS, PAY), (P1, P2))
    assert failed(result) == {d2: ("explicit",), e2: ("explicit",)}
    got = rows_30d(result)
    check(
        got[TEAM],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=29.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
        rework_rate=0.0,
        lead_time_hours_p50=2.0,
    )
    check(
        got[PAY_TEAM],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=5.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=3.0,
    )
    check(
        got["*"],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=17.0,
        incidents=1,
        time_to_restore_hours_p50=3.0,
    )


def _fix_commit_history(facts: Facts) -> tuple[int, int]:
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    fix = sha("fix")
    add_incident(
        facts,
        f"{REPO}#50",
        at(10, 1),
        resolved_at=at(10, 5),
        source="github",
        service=REPO,
        title="Cart empty after deploy",
        description=f"Fixed by {fix[:7]}, deployed at 04:00.",
    )
    d3 = ship(facts, at(10, 4), [("fix", at(10, 3))])
    return d2, d3


def test_an_incident_naming_its_fix_commit_fails_the_fix_deployment_not_the_culprit(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 22:00) at 06-10 00:00: lead 2 h. Issue I1 of acme/orders 06-10 01:00 →
    05:00, body ``Fixed by <fix[:7]>, deployed at 04:00.`` D3 ships fix (03:00) at 04:00: lead 1 h.

    SPEC §6.1 rule 1 takes any hex string "with or without root cause:": <fix[:7]> begins the sha of a
    change of D3 → D3 failed (explicit). I1 then has an explicit link, so rule 4 does not fail D2 (1 h
    before it). D3's recovery: I1 resolved 05:00 − 04:00 = 1 h. D3 was deployed while I1 was open →
    rework.

    Deployments 3; CFR 1/3; recovery 1; incidents 1; restore 4; rework 1/3; lead 2, 1 → p50 1.5.
    """
    d2, d3 = _fix_commit_history(facts)
    result = run(facts)
    assert failed(result) == {d3: ("explicit",)}
    assert d2 not in failed(result)
    check(
        rows_30d(result)[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=1.0,
        incidents=1,
        time_to_restore_hours_p50=4.0,
        rework_rate=1 / 3,
        lead_time_hours_p50=1.5,
    )


def test_before_the_fix_is_deployed_the_same_incident_fails_the_culprit_by_the_window(facts: Facts) -> None:
    """The history above, as of 06-10 03:00 (window (05-11 03:00, 06-10 03:00]): D3 has not happened
    (SPEC §2 ``--as-of``: facts after it are ignored), so <fix[:7]> begins no change's sha: I1 has no
    explicit link, and rule 4 fails D2 (the latest deployment of orders before 01:00, 1 h before). I1 is
    resolved at 05:00, after as_of: still open, so D2 has not recovered (null) and there is no restore.

    Deployments 2 (D1, D2); CFR 1/2; recovery null; incidents 1; restore null; rework 0 (D2 precedes
    I1); lead 2.
    """
    d2, _ = _fix_commit_history(facts)
    result = run(facts, as_of=at(10, 3))
    assert failed(result) == {d2: ("window",)}
    check(
        rows_30d(result)[TEAM],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=2.0,
    )


def test_an_incident_over_before_the_change_it_names_ships_gives_that_failure_no_recovery(
    facts: Facts,
) -> None:
    """D1 first. D2 c2 (06-09 22:00) at 06-10 00:00: lead 2 h. I1 on P1, 06-10 02:00 → 03:00, titled
    ``Order <c3[:7]> stuck`` (an order number that happens to be hex). D3 c3 (06-11 23:00) at 06-12:
    lead 1 h.

    As of 06-30: <c3[:7]> begins the sha of a change of D3 → D3 failed (explicit); I1 has an explicit
    link, so rule 4 does not fail D2 (2 h before it). I1 was resolved before D3 shipped: no recovery of
    D3 (docs/metrics.md: a resolution before F is none), and D3 has no rollback or revert → recovery null.
    Deployments 3; CFR 1/3; incidents 1; restore 1; rework 0; lead 2, 1 → p50 1.5.

    As of 06-11 00:00 (window (05-12, 06-11]): D3 does not exist yet → no explicit link → rule 4 fails
    D2, recovered at 03:00: 3 h. Deployments 2; CFR 1/2; recovery 3; incidents 1; restore 1; lead 2.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    add_incident(facts, "I1", at(10, 2), resolved_at=at(10, 3), title=f"Order {sha('c3')[:7]} stuck")
    d3 = ship(facts, at(12), [("c3", at(11, 23))])
    result = run(facts)
    assert failed(result) == {d3: ("explicit",)}
    check(
        rows_30d(result)[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=None,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
        lead_time_hours_p50=1.5,
    )
    earlier = run(facts, as_of=at(11))
    assert failed(earlier) == {d2: ("window",)}
    check(
        rows_30d(earlier)[TEAM],
        deployments=2,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        lead_time_hours_p50=2.0,
    )


def test_an_incident_naming_a_merge_commit_has_no_link_and_the_window_rule_applies(facts: Facts) -> None:
    """D1 first. D2 ships b2 (06-09 20:00) and merge commit m2 (two parents) at 06-10 00:00: change b2
    only (§5.2 "non-merge commits"), lead 4 h. D3 c3 (06-10 05:00) at 06:00: lead 1 h.

    I1 on P1, 06-10 08:00 → 09:00, title ``Errors since merge <m2[:10]>``: m2 is no change, so that hex
    string begins no change's sha → no explicit link. Rule 4: D3 is the latest deployment before 08:00
    (2 h) → D3 failed (window), recovered 09:00: 3 h. (Were m2 taken as D2's change, D2 would be the one
    failed, explicitly.)

    Deployments 3; CFR 1/3; recovery 3; incidents 1; restore 1; rework 0; lead 4, 1 → p50 2.5.
    """
    first(facts)
    b2 = facts.commit(sha("b2"), at(9, 20))
    m2 = facts.commit(sha("m2"), at(9, 23), parents=2, message="Merge pull request #2 from acme/b2")
    d2 = facts.deployment(at(10), ships=[b2, m2])
    d3 = ship(facts, at(10, 6), [("c3", at(10, 5))])
    add_incident(facts, "I1", at(10, 8), resolved_at=at(10, 9), title=f"Errors since merge {m2[:10]}")
    result = run(facts)
    assert failed(result) == {d3: ("window",)}
    assert d2 not in failed(result)
    check(
        rows_30d(result)[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=3.0,
        incidents=1,
        time_to_restore_hours_p50=1.0,
        rework_rate=0.0,
        lead_time_hours_p50=2.5,
    )


def test_an_unowned_services_incident_naming_a_change_fails_it_but_makes_no_rework(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 21:00) at 06-10 00:00: lead 3 h. I9 on P9 (nobody's, no service), 06-10
    02:00 → 08:00, title ``Upstream 502s after <c2[:9]>`` → D2 failed (explicit), recovered at 08:00:
    8 h. D3 c3 (04:00) at 05:00 (lead 1 h) is deployed while I9 is open, but I9 is not "an incident of
    its service" (P9 maps to no service) → not rework; I9 has an explicit link, and P9 is not orders'
    anyway → no window failure of D3.

    order-team: deployments 3; CFR 1/3; recovery 8; incidents 0; restore null; rework 0; lead 3, 1 →
    2. unowned: deployments 0; CFR null; incidents 1; restore 6. "*": deployments 3; CFR 1/3; recovery
    8; incidents 1; restore 6.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 21))])
    add_incident(
        facts,
        "I9",
        at(10, 2),
        resolved_at=at(10, 8),
        service="P9",
        title=f"Upstream 502s after {sha('c2')[:9]}",
    )
    ship(facts, at(10, 5), [("c3", at(10, 4))])
    result = run(facts, (ORDERS,), (P1, P9))
    assert failed(result) == {d2: ("explicit",)}
    got = rows_30d(result)
    check(
        got[TEAM],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=8.0,
        incidents=0,
        time_to_restore_hours_p50=None,
        rework_rate=0.0,
        lead_time_hours_p50=2.0,
    )
    check(got["unowned"], deployments=0, change_failure_rate=None, incidents=1, time_to_restore_hours_p50=6.0)
    check(
        got["*"],
        deployments=3,
        change_failure_rate=1 / 3,
        failed_deployment_recovery_hours_p50=8.0,
        incidents=1,
        time_to_restore_hours_p50=6.0,
    )


# -- "This reverts commit <sha>" -------------------------------------------------------------------------


def test_a_squashed_revert_of_two_changes_fails_both_deployments(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 21:00) at 06-10: lead 3 h. D3 c3 (06-10 22:00) at 06-11: lead 2 h. D4 at
    06-12 ships r4 (06-11 20:00, lead 4 h), GitHub's squash message of two ``git revert`` commits:
    ``* Revert "Add cart" / This reverts commit <c2>. / * Revert "Add tax" / This reverts commit
    <c3[:12]>.`` → D2 and D3 failed (revert), each recovered at D4: 48 h and 24 h.

    Deployments 4; CFR 2/4 = 0.5; recovery p50 (24 + 48)/2 = 36; rework: D4 (a revert) → 1/4; lead 2, 3,
    4 → p50 3, p90 3 + 0.8 × 1 = 3.8.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 21))])
    d3 = ship(facts, at(11), [("c3", at(10, 22))])
    message = (
        "Revert cart and tax (#9)\n\n"
        f'* Revert "Add cart"\n\nThis reverts commit {sha("c2")}.\n\n'
        f'* Revert "Add tax"\n\nThis reverts commit {sha("c3")[:12]}.'
    )
    d4 = ship(facts, at(12), [("r4", at(11, 20), message)])
    result = run(facts)
    assert failed(result) == {d2: ("revert",), d3: ("revert",)}
    assert d4 not in failed(result)
    check(
        rows_30d(result)[TEAM],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=36.0,
        rework_rate=0.25,
        lead_time_hours_p50=3.0,
        lead_time_hours_p90=3.8,
    )


def test_reverting_a_merge_commit_fails_neither_it_nor_the_mainline_parent(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 22:00) at 06-10: lead 2 h. D3 at 06-11 02:00 ships b3 (06-10 20:00; lead
    6 h) and merge commit m3 (parents c2, b3). D4 at 06-12 ships v4 (06-11 23:00; lead 1 h), git's
    message for ``git revert -m 1 <m3>``: ``This reverts commit <m3>, reversing\\nchanges made to <c2>.``

    Rule 3 needs ``This reverts commit <sha>`` "for a change of F": <m3> is a merge commit, no change of
    any deployment (§5.2), so D3 is not failed; <c2> is not the reverted sha (it follows "changes made
    to"), so D2 is not failed either. D4 contains a revert commit → rework.

    Deployments 4; CFR 0; recovery null; rework 1/4; lead 1, 2, 6 → p50 2, p90 2 + 0.8 × 4 = 5.2.
    """
    first(facts)
    ship(facts, at(10), [("c2", at(9, 22))])
    b3 = facts.commit(sha("b3"), at(10, 20))
    m3 = facts.commit(sha("m3"), at(11, 1), parents=2, message="Merge pull request #3 from acme/feature")
    facts.deployment(at(11, 2), ships=[b3, m3])
    message = (
        'Revert "Merge pull request #3 from acme/feature"\n\n'
        f"This reverts commit {m3}, reversing\nchanges made to {sha('c2')}."
    )
    ship(facts, at(12), [("v4", at(11, 23), message)])
    result = run(facts)
    assert failed(result) == {}
    check(
        rows_30d(result)[TEAM],
        deployments=4,
        change_failure_rate=0.0,
        failed_deployment_recovery_hours_p50=None,
        rework_rate=0.25,
        lead_time_hours_p50=2.0,
        lead_time_hours_p90=5.2,
    )


def test_a_revert_of_a_revert_fails_the_first_revert_deployment_too(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 22:00) at 06-10: lead 2 h. D3 r3 (06-10 23:00) at 06-11: lead 1 h,
    ``Revert "Add cart" / This reverts commit <c2>.`` → D2 failed (revert), recovered after 24 h. D4 rr4
    (06-12 20:00) at 06-13: lead 4 h, ``Revert "Revert "Add cart"" / This reverts commit <r3>.`` → r3 is
    a change of D3 → D3 failed (revert), recovered after 48 h.

    Deployments 4; CFR 2/4; recovery p50 36; rework D3, D4 (revert commits) → 2/4; lead 1, 2, 4 → p50 2.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    d3 = ship(facts, at(11), [("r3", at(10, 23), f'Revert "Add cart"\n\nThis reverts commit {sha("c2")}.')])
    message = f'Revert "Revert "Add cart""\n\nThis reverts commit {sha("r3")}.'
    d4 = ship(facts, at(13), [("rr4", at(12, 20), message)])
    result = run(facts)
    assert failed(result) == {d2: ("revert",), d3: ("revert",)}
    assert d4 not in failed(result)
    check(
        rows_30d(result)[TEAM],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=36.0,
        rework_rate=0.5,
        lead_time_hours_p50=2.0,
    )


def test_a_revert_deployment_rolled_back_then_reshipped(facts: Facts) -> None:
    """D1 first. D2 c2 (06-09 22:00) at 06-10 00:00: lead 2 h. D3 r3 (05:00) at 06:00: lead 1 h, ``This
    reverts commit <c2>.`` → D2 failed (revert), recovered at D3: 6 h. D4 at 08:00 redeploys c2 (behind
    D3): a rollback of D3 → D3 failed (rollback), recovered at D4: 2 h. D5 at 06-11 00:00: compare
    c2...c5 lists r3 and c5 (06-10 21:00); r3 was first shipped by D3, so D5's only change is c5 (lead
    3 h) and D5 does not ship the revert as a change of its own (docs/metrics.md rework: "ships a revert
    commit as one of its changes").

    Deployments 5; failed D2, D3 → CFR 2/5; recovery 6, 2 → p50 4; rework D3 (revert), D4 (rollback) →
    2/5; lead 2, 1, 3 → p50 2.
    """
    first(facts)
    d2 = ship(facts, at(10), [("c2", at(9, 22))])
    d3 = ship(facts, at(10, 6), [("r3", at(10, 5), f'Revert "Add cart"\n\nThis reverts commit {sha("c2")}.')])
    d4 = facts.deployment(at(10, 8), sha=sha("c2"), compare="behind")
    c5 = facts.commit(sha("c5"), at(10, 21))
    d5 = facts.deployment(at(11), ships=[sha("r3"), c5])
    result = run(facts)
    assert failed(result) == {d2: ("revert",), d3: ("rollback",)}
    assert {d4, d5}.isdisjoint(failed(result))
    check(
        rows_30d(result)[TEAM],
        deployments=5,
        change_failure_rate=0.4,
        failed_deployment_recovery_hours_p50=4.0,
        rework_rate=0.4,
        lead_time_hours_p50=2.0,
    )


def test_a_revert_naming_a_prefix_shared_by_two_changes_fails_both(facts: Facts) -> None:
    """Shas s2 and s3 share their first 7 digits ``abcdef1``. D1 first. D2 s2 (06-09 23:00) at 06-10:
    lead 1 h. D3 s3 (06-10 22:00) at 06-11: lead 2 h. D4 at 06-12 ships v4 (06-11 21:00; lead 3 h) saying
    ``This reverts commit abcdef1.``: that sha begins a change of D2 and a change of D3 → both failed
    (revert), recovered at D4 after 48 h and 24 h.

    Deployments 4; CFR 2/4; recovery p50 36; rework 1/4; lead 1, 2, 3 → p50 2.
    """
    s2, s3 = "abcdef1" + "2" * 33, "abcdef1" + "3" * 33
    first(facts)
    d2 = facts.deployment(at(10), ships=[facts.commit(s2, at(9, 23))])
    d3 = facts.deployment(at(11), ships=[facts.commit(s3, at(10, 22))])
    ship(facts, at(12), [("v4", at(11, 21), 'Revert "Add tax"\n\nThis reverts commit abcdef1.')])
    result = run(facts)
    assert failed(result) == {d2: ("revert",), d3: ("revert",)}
    check(
        rows_30d(result)[TEAM],
        deployments=4,
        change_failure_rate=0.5,
        failed_deployment_recovery_hours_p50=36.0,
        rework_rate=0.25,
        lead_time_hours_p50=2.0,
    )


# -- rework labels ---------------------------------------------------------------------------------------


def test_rework_labels_ignore_case_but_the_first_deployment_has_no_known_change(facts: Facts) -> None:
    """Config ``rework.labels: [HOTFIX]`` (docs/configuration.md: compared case-insensitively).

    D1 (first, compare ``first``) deploys s1, the squash commit of PR #1 labelled ``Hotfix``: D1's changes
    are unknown (§5.2), so it contains no known change of that PR → not rework (reading: the label rule
    needs a change, as rule 1 does). D2 at 06-10 ships s2, squash commit of PR #2 labelled ``hotfix``
    (first commit 06-09 19:00) → rework; lead from the PR's first commit: 5 h. D3 c3 (06-10 22:00) at
    06-11: lead 2 h, no label.

    Deployments 3; rework 1/3; lead 5, 2 → p50 3.5; CFR 0.
    """
    s1 = facts.commit(sha("s1"), at(1, -1))
    facts.pull_request(
        1, created_at=at(1, -3), merged_at=at(1, -1), merge_commit_sha=s1, commit_dates=[at(1, -4)]
    )
    add_label(facts, 1, "Hotfix")
    first(facts, head=s1)
    s2 = facts.commit(sha("s2"), at(9, 22))
    facts.pull_request(
        2, created_at=at(9, 20), merged_at=at(9, 22), merge_commit_sha=s2, commit_dates=[at(9, 19)]
    )
    add_label(facts, 2, "hotfix")
    facts.deployment(at(10), ships=[s2])
    ship(facts, at(11), [("c3", at(10, 22))])
    result = run(facts, rework_labels=("HOTFIX",))
    assert failed(result) == {}
    check(
        rows_30d(result)[TEAM],
        deployments=3,
        rework_rate=1 / 3,
        lead_time_hours_p50=3.5,
        change_failure_rate=0.0,
    )
