"""How names and words are compared wherever people typed them: team names (config, catalog owners,
survey answers and the teams stored with past answers), answer labels, column titles and item wording.

Here, below every package that compares them, so that each compares the same way: a team is one team
whether the configuration, the catalog or a survey answer spells it ``Straße``, ``STRASSE`` or
``straße``, with ``ü`` composed or decomposed.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})
_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """``text`` as compared: NFKC, straight quotes, case-folded, whitespace runs folded, trimmed."""
    normal = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _WHITESPACE.sub(" ", normal).strip()
