"""A synthetic GitHub + PagerDuty organisation for ``doraspace demo`` (SPEC §2), deterministic from a seed.

The organisation is generated as the collector's own raw facts (``collector.models``) and loaded with the
collector's own writers, so everything after the load — store, ownership, analytics, serving — is the code
a real deployment runs; only the HTTP round trips are skipped. That keeps the demo fast and offline, and
means the facts must look exactly like what GitHub and PagerDuty would have answered:

* every repository has a real commit graph: a main line with merge commits (``merge`` teams), squash
  commits (``squash``) or rebased commits (``rebase``), PR branches forked from the main line as it was
  when their first commit was written;
* each deployment's compare lists exactly the commits between it and the deployment before it, as
  GitHub's compare would; a rollback deploys an older sha and its compare is ``behind`` with no commits;
* reverts are commits saying ``This reverts commit <sha>.``, hotfixes are PRs labelled ``hotfix``, and
  some incidents name their cause as ``root cause: <sha7>``;
* GitHub ids, PR numbers (shared with issues, in creation order), status ids and review ids grow with
  time as GitHub's do.

Teams have shapes a platform engineer would recognise: an elite team deploying continuously, a
struggling team with weekly change windows, long-lived PRs and a high failure rate, a team that
squash-merges on release trains, a team whose deployments are workflow runs, one that deploys on merge
with rebase merges, one known only from the Backstage catalog, and an unowned sandbox. People work on
weekdays in their team's hours; production incidents happen whenever they like.

Only ``random.Random(seed)`` is used and time comes from the caller's ``end``: the same seed and ``end``
give identical facts. Nobody real appears: people are ``dev-17``, the organisation is ``acme``.

Volume is bounded on purpose: the organisation has about 750 deployments and 850 merged PRs in 200 days,
enough for every chart to mean something while the whole demo (load, analytics, 26 weekly points,
reports) stays around 20 s on a 2-core machine.

The package, in the order the demo runs:

* ``plan`` — the organisation's teams, repositories, cadences and words;
* ``history`` — one repository's history, simulated day by day;
* ``facts`` — the histories as the collector's own facts, the catalog files and the config;
* ``load`` — the facts written with the collector's writers and cursors, as a sync would;
* ``surveys`` — two quarters of survey answers through the real importer;
* ``run`` — generate, load, analyse, write and serve (``doraspace demo``).
"""

from doraspace.demo.facts import DemoOrganisation, DemoTeam, build_demo_organisation
from doraspace.demo.load import load_demo_organisation
from doraspace.demo.plan import GITHUB_ORGANISATION
from doraspace.demo.run import prepare, run_demo

__all__ = [
    "GITHUB_ORGANISATION",
    "DemoOrganisation",
    "DemoTeam",
    "build_demo_organisation",
    "load_demo_organisation",
    "prepare",
    "run_demo",
]
