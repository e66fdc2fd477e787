"""Boilerplate rules: the table of lines that are not the article, and how a line matches it.

``data/boilerplate.txt`` holds one rule per line ("<kind> <regex>", with {month} and {weekday}
standing for the calendar's names). Cleaning applies the rules; the outlet reader cuts the
scraper's marker with them. Kept apart from cleaning so that neither needs the other's module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefings.extract.dates import MONTH_PATTERN, WEEKDAY_PATTERN
from briefings.lexicon import text

# Kinds that are not matched line by line but by where they stand.
POSITIONAL_KINDS = frozenset({"dateline", "signoff"})
# No real boilerplate line is longer; longer lines are text, and are not scanned at all.
MAX_BOILERPLATE_CHARS = 600


@dataclass(frozen=True)
class BoilerplatePattern:
    """One rule of the boilerplate table: lines matching ``regex`` are of ``kind``."""

    kind: str
    regex: re.Pattern[str]


def load_boilerplate(table: str) -> tuple[BoilerplatePattern, ...]:
    """Parse a boilerplate table: "<kind> <regex>" lines, # comments, {month}/{weekday}."""
    patterns = []
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, expression = line.strip().split(None, 1)
        expression = expression.replace("{month}", MONTH_PATTERN).replace(
            "{weekday}", WEEKDAY_PATTERN
        )
        patterns.append(BoilerplatePattern(kind, re.compile(expression)))
    return tuple(patterns)


BOILERPLATE: tuple[BoilerplatePattern, ...] = load_boilerplate(text("boilerplate.txt"))
LINE_RULES = tuple(p for p in BOILERPLATE if p.kind not in POSITIONAL_KINDS)
DATELINE_RULES = tuple(p for p in BOILERPLATE if p.kind == "dateline")
SIGNOFF_RULES = tuple(p for p in BOILERPLATE if p.kind == "signoff")
MARKER_RULES = tuple(p for p in BOILERPLATE if p.kind == "marker")
# The article's own address on a line of its own ("url: https://…"): a source's link.
ADDRESS_RULE = next(p.regex for p in BOILERPLATE if p.kind == "address")


def match_line(line: str) -> tuple[str, re.Match[str]] | None:
    stripped = line.strip()
    if not stripped or len(stripped) > MAX_BOILERPLATE_CHARS:
        return None
    for rule in LINE_RULES:
        found = rule.regex.search(stripped)
        if found:
            return rule.kind, found
    return None


def cut_marker(line: str) -> str:
    """A first line without the scraper's marker that may open it ("date 2019-09-12 …")."""
    for rule in MARKER_RULES:
        found = rule.regex.match(line)
        if found:
            return line[found.end() :]
    return line
