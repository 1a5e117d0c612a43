"""Analytics: per-team DORA metrics (and, later, SPACE scores) computed from the store's raw facts.

Reads the store only, never writes; receives everything else (scopes, windows, ``as_of``) as plain
values. Definitions in plain words: ``docs/metrics.md``.
"""
