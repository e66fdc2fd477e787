"""Outlets: which news organisation published an article.

Evidence, strongest first: the document's own outlet field, the agency in the dateline
("/TASS/", "(AFP)"), a footer naming where the article originally appeared, and a bare
agency sign-off at the end ("dpa/sh/est"). Photo credits, "with reporting by" lists and
agencies quoted in the body are not the outlet; with no evidence the outlet stays unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from briefings.models import CleanText, SourceDocument


@dataclass(frozen=True)
class Outlet:
    """A known news organisation: how we name it, and how articles may write it."""

    name: str
    aliases: tuple[str, ...] = ()


def load_outlets(table: str) -> tuple[Outlet, ...]:
    """Parse an outlets table: one outlet a line, "Name | alias | alias", # comments."""
    outlets = []
    for line in table.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, *aliases = (part.strip() for part in line.split("|"))
            outlets.append(Outlet(name, tuple(a for a in aliases if a)))
    return tuple(outlets)


KNOWN_OUTLETS: tuple[Outlet, ...] = load_outlets(
    resources.files("briefings").joinpath("data/outlets.txt").read_text("utf-8")
)
_BY_SPELLING: dict[str, str] = {
    " ".join(spelling.split()).casefold(): outlet.name
    for outlet in KNOWN_OUTLETS
    for spelling in (outlet.name, *outlet.aliases)
}
_DATELINE_AGENCY = re.compile(r"/\s*([^/]{2,40}?)\s*/\s*$|\(\s*([^()]{2,40}?)\s*\)\s*$")


def canonical_outlet(name: str) -> str | None:
    """The canonical name of a known outlet written as ``name``, else None."""
    return _BY_SPELLING.get(" ".join(name.split()).casefold())


def outlet_name(name: str) -> str:
    """How to name an outlet: its canonical name when known, else as written."""
    return canonical_outlet(name) or " ".join(name.split())


def agency_in_dateline(dateline: str) -> str | None:
    """The agency a dateline names ("MOSCOW, September 12. /TASS/" → "TASS"), if any."""
    match = _DATELINE_AGENCY.search(dateline)
    if match is None:
        return None
    return outlet_name(match.group(1) or match.group(2))


def find_outlet(doc: SourceDocument, text: CleanText) -> str | None:
    """The article's outlet from the strongest evidence it carries, or None."""
    if doc.outlet and doc.outlet.strip():
        return outlet_name(doc.outlet)
    if text.dateline and (agency := agency_in_dateline(text.dateline)):
        return agency
    # clean() reads footers and sign-offs, the remaining evidence, into ``text.outlet``.
    return text.outlet
