"""Many consecutive deployments' compares read from one compare of the whole range.

GitHub's compare ``base...head`` lists the commits reachable from ``head`` and not from ``base`` (with a
single merge base, as every history without criss-cross merges between deployed commits has), each
with its parents. Call that list U, for a range base A0 and head Bn. Two facts make U enough to answer
``P...D`` for any pair of deployments inside the range, exactly:

* a parent outside U is reachable from A0 (it is reachable from Bn but not in U), and A0 itself is
  reachable from no commit outside U but A0 (a commit cannot be its own ancestor), so "A0 is an
  ancestor of x" is decided by walking x's parents inside U and meeting A0;
* when A0 is an ancestor of P, every commit of ``reachable(D)`` outside U is reachable from P, so
  ``reachable(D) - reachable(P)`` is ``U∩reachable(D) - U∩reachable(P)``, both walks inside U.

A pair the range cannot decide this way (a deployment outside U, such as a hotfix cut from an older
release, or P not descending from A0) is answered ``None``: the caller compares it on its own. A
backfill of a repository whose deployments follow one another thus costs the pages of one compare
instead of one compare or more per deployment.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from collector.models import CommitFact

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PairCompare:
    """What GitHub's compare of one pair would say: its status and the commits it lists, in order."""

    status: str  # ahead | behind | identical | diverged
    commits: tuple[CommitFact, ...]


@dataclass(frozen=True)
class _Reach:
    inside: frozenset[str]  # the commits of U reachable from the start, the start included
    from_base: bool  # A0 is the start or one of its ancestors
    leaves_range: bool  # some ancestor lies outside U (so the start shares history with A0)


class RangeCompare:
    """The commits of ``base...head`` (every page), answering the pairs in between."""

    def __init__(self, base_sha: str, commits: Iterable[CommitFact]) -> None:
        self.base_sha = base_sha
        listed = list(commits)
        self._commits = {commit.sha: commit for commit in listed}
        # GitHub lists a compare's commits oldest first; a pair keeps that order among equal dates.
        self._rank = {commit.sha: rank for rank, commit in enumerate(listed)}
        self._reach: dict[str, _Reach | None] = {}

    @property
    def shas(self) -> frozenset[str]:
        return frozenset(self._commits)

    def pair(self, base_sha: str, head_sha: str) -> PairCompare | None:
        """``base_sha...head_sha`` derived from the range, or None when the range cannot tell."""
        base, head = self._reached(base_sha), self._reached(head_sha)
        if base is None or head is None or not base.from_base:
            return None
        if not (head.from_base or head.leaves_range):
            # All of head's history lies inside U and never meets A0: it may share no commit with
            # base at all, which GitHub answers with a 404; let the caller ask.
            return None
        ahead = head.inside - base.inside
        # Outside U, base reaches all of reachable(A0); head reaches it too only if A0 is its ancestor.
        behind = bool(base.inside - head.inside) or not head.from_base
        status = "diverged" if ahead and behind else "ahead" if ahead else "behind" if behind else "identical"
        return PairCompare(status, self._chronological(ahead))

    def _reached(self, sha: str) -> _Reach | None:
        if sha == self.base_sha:
            return _Reach(frozenset(), from_base=True, leaves_range=True)
        if sha not in self._commits:
            return None
        if sha not in self._reach:
            seen = {sha}
            stack = [sha]
            from_base = leaves = False
            while stack:
                for parent in self._commits[stack.pop()].parents:
                    if parent in self._commits:
                        if parent not in seen:
                            seen.add(parent)
                            stack.append(parent)
                    else:
                        leaves = True
                        from_base = from_base or parent == self.base_sha
            self._reach[sha] = _Reach(frozenset(seen), from_base, leaves)
        return self._reach[sha]

    def _chronological(self, shas: frozenset[str]) -> tuple[CommitFact, ...]:
        """Parents before children, otherwise oldest committer date, then author date, first."""

        def key(sha: str) -> tuple[datetime, datetime, int, str]:
            commit = self._commits[sha]
            return (commit.committed_date or EPOCH, commit.author_date, self._rank[sha], sha)

        waiting = {sha: sum(1 for p in self._commits[sha].parents if p in shas) for sha in shas}
        children: dict[str, list[str]] = {sha: [] for sha in shas}
        for sha in shas:
            for parent in self._commits[sha].parents:
                if parent in shas:
                    children[parent].append(sha)
        ready = [key(sha) for sha, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        ordered: list[CommitFact] = []
        while ready:
            sha = heapq.heappop(ready)[-1]
            ordered.append(self._commits[sha])
            for child in children[sha]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, key(child))
        return tuple(ordered)
