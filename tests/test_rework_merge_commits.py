"""Rework where two rules meet: a hotfix deployed from its branch and merged later with a merge commit.

Through the emulator, `doraspace collect` and `doraspace metrics --format json`, numbers by hand.
acme/shop (team shop), March 2026, UTC; as of 03-08 00:00, window 30d:

* c0 (03-01 00:00) deployed by D1 at 03-01 06:00: the first deployment, no changes.
* f1 on main (authored 03-02 08:00) → D2 at 03-02 12:00: change f1, lead 4 h.
* Issue #1 (label ``incident``) opened 03-03 07:00, closed 11:00: 19 h after D2, so D2 fails (window),
  recovered 23 h after it was deployed; restore 4 h.
* Hotfix PR #7 (label ``hotfix``; erin, opened 03-03 08:30, no review): h1 on branch hotfix-7 cut from
  c0, the older release (authored 03-03 08:00) → D3 deploys h1 from the branch at 03-03 10:00. The
  compare f1...h1 is ``diverged``: change h1, lead 2 h. D3 is rework twice over: deployed while issue #1
  was open, and its change belongs to a PR labelled ``hotfix``.
* f2 on main (03-04 09:00); PR #7 merged 03-05 10:00 with a merge commit m7 = merge(f2, h1) → D4 at
  03-05 12:00 ships f1, f2, m7: f1 was D2's, m7 is a merge commit, so its one change is f2 (lead 27 h).
  D4 ships no change of PR #7: **not rework** (the defect counted it, shipping the PR's merge commit).
* f3 on main (03-06 08:00) → D5 at 03-06 09:00: change f3, lead 1 h.
* Revert PR #9 (label ``revert``; opened 03-06 10:30, no review): v1 ``This reverts commit <f3>``
  (authored 03-06 10:00) on branch revert-f3 → D6 deploys v1 from the branch at 03-06 11:00: change v1,
  lead 1 h. D5 fails (revert), recovered 2 h after it was deployed; D6 is rework.
* f4 on main (03-06 12:00); PR #9 merged 03-06 14:00 with a merge commit m9 = merge(f4, v1) whose
  message, as GitHub writes it from the PR's title and description, quotes ``This reverts commit
  <f3>`` → D7 at 03-06 15:00: change f4, lead 3 h. m9 is no change: D7 is **not rework** either.

Deployments 7; failed D2, D5 (2/7); rework D3, D6 (2/7; the defect read 4/7).
Lead times 4, 2, 27, 1, 1, 3, sorted 1, 1, 2, 3, 4, 27 → p50 (2 + 3) / 2 = 2.5, p90 at position 4.5:
4 + 0.5 × 23 = 15.5.
Recovery 23 h and 2 h → p50 12.5. Breakdown: PR #7 coding 0.5 h, deploy 2 h (D4 ships m7); PR #9 coding
0.5 h, deploy 1 h (D7 ships m9) → coding 0.5, deploy 1.5, no pickup or review.
Bands (30d): 7/30 a day ≥ 1/week → high; lead 2.5 h → elite; CFR 28.6 % → low; recovery 12.5 h → high.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from doraspace.cli import main
from tests.emulators.github import GitHubDataset, GitHubEmulator
from tests.github_org import write_github_config


def at(day: int, hour: float = 0.0) -> datetime:
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour)


def build_shop(dataset: GitHubDataset) -> None:
    shop = dataset.add_repo("acme/shop")
    c0 = shop.commit("initial", author_date=at(1))
    shop.deployment(c0, created_at=at(1, 6))
    f1 = shop.commit("f1", author_date=at(2, 8))
    shop.deployment(f1, created_at=at(2, 12))
    shop.issue(title="checkout down", created_at=at(3, 7), closed_at=at(3, 11), labels=["incident"])

    h1 = shop.commit(
        "Fix checkout", parents=[c0], author_date=at(3, 8), author_login="erin", branch="hotfix-7"
    )
    shop.deployment(h1, created_at=at(3, 10), ref="hotfix-7")
    f2 = shop.commit("f2", author_date=at(4, 9))
    m7 = shop.merge_commit(f2, h1, "Merge pull request #7 from acme/hotfix-7\n\nFix checkout", at(5, 10))
    shop.pull(
        number=7,
        title="Fix checkout",
        author="erin",
        created_at=at(3, 8.5),
        commits=[h1],
        merged_at=at(5, 10),
        merge_commit_sha=m7,
        labels=["hotfix"],
    )
    shop.deployment(m7, created_at=at(5, 12))

    f3 = shop.commit("f3", author_date=at(6, 8))
    shop.deployment(f3, created_at=at(6, 9))
    revert = f'Revert "f3"\n\nThis reverts commit {f3}.'
    v1 = shop.commit(revert, parents=[f3], author_date=at(6, 10), author_login="erin", branch="revert-f3")
    shop.deployment(v1, created_at=at(6, 11), ref="revert-f3")
    f4 = shop.commit("f4", author_date=at(6, 12))
    m9 = shop.merge_commit(f4, v1, f"Merge pull request #9 from acme/revert-f3\n\n{revert}", at(6, 14))
    shop.pull(
        number=9,
        title='Revert "f3"',
        author="erin",
        created_at=at(6, 10.5),
        commits=[v1],
        merged_at=at(6, 14),
        merge_commit_sha=m9,
        labels=["revert"],
        body=f"This reverts commit {f3}.",
    )
    shop.deployment(m9, created_at=at(6, 15))


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    dataset = GitHubDataset()
    build_shop(dataset)
    with GitHubEmulator(dataset, token="shop-token") as emulator:
        path = write_github_config(
            tmp_path,
            emulator.base_url,
            "SHOP_GITHUB_TOKEN",
            "since: 2026-03-01\nrepositories: [acme/shop]",
            "teams: [{name: shop, repositories: [acme/shop]}]\nmetrics: {windows: [30d]}\n",
        )
        monkeypatch.setenv("SHOP_GITHUB_TOKEN", "shop-token")
        yield path


def test_a_hotfix_merged_later_with_a_merge_commit_is_rework_once(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["collect", "--config", str(config_path)]) == 0
    capsys.readouterr()
    args = ["metrics", "--config", str(config_path), "--format", "json", "--as-of", "2026-03-08T00:00:00Z"]
    assert main(args) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["team"] for row in rows] == ["*", "shop"]
    for row in rows:
        assert row["deployments"] == 7
        assert row["rework_rate"] == pytest.approx(2 / 7, rel=1e-12)  # D3 and D6, not D4 nor D7
        assert row["change_failure_rate"] == pytest.approx(2 / 7, rel=1e-12)  # D2 (window), D5 (revert)
        assert row["failed_deployment_recovery_hours_p50"] == pytest.approx(12.5)
        assert (row["incidents"], row["time_to_restore_hours_p50"]) == (1, pytest.approx(4.0))
        assert row["lead_time_hours_p50"] == pytest.approx(2.5)
        assert row["lead_time_hours_p90"] == pytest.approx(15.5)
        assert row["lead_time_breakdown_hours_p50"] == {
            "coding": pytest.approx(0.5),
            "pickup": None,
            "review": None,
            "deploy": pytest.approx(1.5),
        }
        assert row["bands"] == {
            "deployment_frequency": "high",
            "lead_time": "elite",
            "change_failure_rate": "low",
            "recovery": "high",
        }


def test_as_of_before_the_merge_the_hotfix_pull_request_is_not_merged_yet(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As of 03-04 00:00 PR #7 is open: D3 is rework only because issue #1 was open when it shipped.
    assert main(["collect", "--config", str(config_path)]) == 0
    capsys.readouterr()
    args = ["metrics", "--config", str(config_path), "--format", "json", "--team", "shop"]
    assert main([*args, "--as-of", "2026-03-04T00:00:00Z"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["deployments"], row["rework_rate"]) == (3, pytest.approx(1 / 3))
