"""The words and colours every view of doraspace shares: the Grafana dashboards and the HTML reports.

One home, so a key's title or a band's colour cannot read one way in Grafana and another in a report.
Band names and the breakdown stages belong to the analytics (``analytics.benchmarks.BANDS``,
``analytics.dora.BREAKDOWN_STAGES``); this module only says how they look.
"""

from __future__ import annotations

# Okabe–Ito colours: a blue → orange diverging scale, so "better" and "worse" stay apart for the common
# colour-vision deficiencies without red and green. Every view also writes the band's name beside its
# colour, so colour never carries the meaning alone.
BAND_COLOURS: dict[str, str] = {
    "elite": "#0072B2",
    "high": "#56B4E9",
    "medium": "#E69F00",
    "low": "#D55E00",
}
# Text on a band's colour, chosen per band for a contrast of at least 4.5:1.
BAND_TEXT_COLOURS: dict[str, str] = {
    "elite": "#ffffff",
    "high": "#000000",
    "medium": "#000000",
    "low": "#000000",
}

# The five keys as a title (a panel, a table row) …
KEY_TITLES: dict[str, str] = {
    "deployment_frequency": "Deployment frequency",
    "lead_time": "Lead time for changes (p50)",
    "change_failure_rate": "Change failure rate",
    "recovery": "Failed deployment recovery (p50)",
    "rework_rate": "Rework rate",
}
# … and as they read inside a sentence.
KEY_WORDS: dict[str, str] = {
    "deployment_frequency": "deployment frequency",
    "lead_time": "lead time",
    "change_failure_rate": "change failure rate",
    "recovery": "recovery",
    "rework_rate": "rework rate",
}

# The SPACE dimensions in the framework's order (S, P, A, C, E).
SPACE_TITLES: dict[str, str] = {
    "satisfaction": "Satisfaction and well-being",
    "performance": "Performance",
    "activity": "Activity",
    "communication": "Communication and collaboration",
    "efficiency": "Efficiency and flow",
}
