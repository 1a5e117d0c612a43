"""A small emulated GitHub organisation with two teams, every number of which is worked out by hand.

acme/orders (team orders), times in March 2026, UTC:
* c1 (authored 03-01 10:00) deployed by D1 at 03-02 10:00 — the first deployment: no lead times.
* PR #1 (alice; commits listed p1 03-02 08:00, then p2 03-02 06:00: out of date order), opened
  03-02 09:00, approved by bob 03-03 10:00, squash-merged 03-03 12:00 as s1 → D2 at 03-03 14:00.
  Change s1 starts at the PR's earliest commit, 03-02 06:00: lead time 32 h.
* PR #2 (dave; b1 03-04 09:00, b2 03-04 11:00), opened 03-04 12:00, no review, merged with a merge
  commit m2 at 03-05 10:00 → D3 at 03-05 16:00. m2 is no change; b1 31 h, b2 29 h.
  m2 was also deployed to staging (03-05 15:00) and failed once in production (03-05 15:30, failure
  only): neither is a deployment.
* PR #3 (erin; o1 03-06 09:00, o2 03-06 10:00), opened 03-06 11:00, reviewed by erin herself 11:30
  (ignored) and by carol (COMMENTED) 12:00, rebase-merged 03-06 15:00 as r1, r2 → D4, created
  16:00 pending, success 16:30. r2 (the merge_commit_sha) starts at 09:00, r1 at its own 09:00:
  7.5 h each.
  Lead times 7.5, 7.5, 29, 31, 32 → p50 29, p90 31 + 0.6 × 1 = 31.6.
  Breakdown: coding 3, 3, 2 → 3; pickup 25, 1 → 13; review 2, 3 → 2.5; deploy 2, 6, 1.5 → 2.

acme/payments (team payments):
* root q0 (03-01 00:00) deployed by P1 at 03-02 00:00 (first).
* 260 commits k0…k259 authored 03-03 00:00 + i minutes, deployed by P2 at 03-04 00:00: a compare
  of more than 250 commits. Lead time of k_i = 24 h − i min.
* P3 at 03-05 00:00 redeploys q0: a rollback (behind), no changes.
* P4 at 03-05 12:00 redeploys k259: every commit was shipped by P2 already, so no changes.
  Lead times 24 − i/60 for i in 0…259 → p50 24 − 129.5/60, p90 24 − 25.9/60.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.emulators.github import GitHubDataset


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


AS_OF = at(7)


@dataclass
class OrgShas:
    orders_deployments: list[int]
    payments_deployments: list[int]
    staging_id: int
    failed_id: int


def build_org(dataset: GitHubDataset) -> OrgShas:
    orders = dataset.add_repo("acme/orders")
    c1 = orders.commit("initial", author_date=at(1, 10))
    d1 = orders.deployment(c1, created_at=at(2, 10))

    p1 = orders.commit("add cart", parents=[c1], author_date=at(2, 8), author_login="alice", branch="pr-1")
    p2 = orders.commit("cart tests", parents=[p1], author_date=at(2, 6), author_login="alice", branch="pr-1")
    s1 = orders.squash_merge([p1, p2], c1, "Add cart (#1)", at(3, 12))
    orders.pull(
        number=1,
        title="Add cart",
        author="alice",
        created_at=at(2, 9),
        commits=[p1, p2],
        merged_at=at(3, 12),
        merge_commit_sha=s1,
        reviews=[("bob", "APPROVED", at(3, 10))],
    )
    d2 = orders.deployment(s1, created_at=at(3, 14))

    b1 = orders.commit("checkout", parents=[s1], author_date=at(4, 9), author_login="dave", branch="pr-2")
    b2 = orders.commit("checkout ui", parents=[b1], author_date=at(4, 11), author_login="dave", branch="pr-2")
    m2 = orders.merge_commit(s1, b2, "Merge pull request #2 from acme/pr-2", at(5, 10))
    orders.pull(
        number=2,
        title="Checkout",
        author="dave",
        created_at=at(4, 12),
        commits=[b1, b2],
        merged_at=at(5, 10),
        merge_commit_sha=m2,
    )
    staging = orders.deployment(m2, environment="staging", created_at=at(5, 15))
    failed = orders.deployment(
        m2, created_at=at(5, 15.5), statuses=[("in_progress", at(5, 15.5)), ("failure", at(5, 15.6))]
    )
    d3 = orders.deployment(m2, created_at=at(5, 16))

    o1 = orders.commit("refund", parents=[m2], author_date=at(6, 9), author_login="erin", branch="pr-3")
    o2 = orders.commit("refund docs", parents=[o1], author_date=at(6, 10), author_login="erin", branch="pr-3")
    rebased = orders.rebase_merge([o1, o2], m2, date=at(6, 15))
    orders.pull(
        number=3,
        title="Refunds",
        author="erin",
        created_at=at(6, 11),
        commits=[o1, o2],
        merged_at=at(6, 15),
        merge_commit_sha=rebased[-1],
        reviews=[("erin", "COMMENTED", at(6, 11.5)), ("carol", "COMMENTED", at(6, 12))],
        labels=["feature"],
    )
    d4 = orders.deployment(
        rebased[-1], created_at=at(6, 16), statuses=[("pending", at(6, 16)), ("success", at(6, 16.5))]
    )

    payments = dataset.add_repo("acme/payments")
    q0 = payments.commit("initial", author_date=at(1))
    e1 = payments.deployment(q0, created_at=at(2))
    tip = q0
    for i in range(260):
        tip = payments.commit(f"change {i}", parents=[tip], author_date=at(3) + timedelta(minutes=i))
    e2 = payments.deployment(tip, created_at=at(4))
    e3 = payments.deployment(q0, created_at=at(5))
    e4 = payments.deployment(tip, created_at=at(5, 12))
    return OrgShas([d1, d2, d3, d4], [e1, e2, e3, e4], staging, failed)


def payments_lead_times() -> list[float]:
    return [24 - i / 60 for i in range(260)]


ORDERS_LEAD_TIMES = [7.5, 7.5, 29.0, 31.0, 32.0]


def write_github_config(
    directory: Path, base_url: str, token_variable: str, github: str, rest: str = ""
) -> Path:
    """``directory/doraspace.yaml``: a DuckDB store in ``directory`` and a GitHub section reading the
    emulator at ``base_url`` with the token in ``$token_variable``; ``github`` holds the section's other
    keys and ``rest`` the sections after it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "doraspace.yaml"
    path.write_text(
        f"database:\n  url: duckdb:///{directory}/store.duckdb\n"
        f"github:\n  base_url: {base_url}\n  token: ${{{token_variable}}}\n"
        + textwrap.indent(textwrap.dedent(github).strip() + "\n", "  ")
        + textwrap.dedent(rest).lstrip()
    )
    return path
