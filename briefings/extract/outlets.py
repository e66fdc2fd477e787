"""Outlets: which news organisation published an article, found as an editor finds it.

Evidence, strongest first: the document's own outlet field (a feed's title, an HTML page's
site name, a JSON field); the agency credited at the dateline ("/TASS/", "(AFP) –",
"March 3 (AGENCY) --"), on whichever of the first lines it stands; a source line ("Source:
BBC"); a footer naming where the article originally appeared, or a bare agency sign-off
("dpa/sh/est"); the site speaking of itself (a masthead line, "Follow X on Facebook", the
site name after a headline's "|"); the outlet's own desk as byline; a bare agency name
under the headline; "the correspondent of X". The credit forms are data
(``data/credits.txt``): they name the places where an outlet stands, not the outlets.

Two kinds of evidence are guesses, and are kept as such (``OutletFinding.is_inferred``):
a picture's credit ("(AP Photo)") and the article's web address. "With reporting by"
lists and agencies quoted in the body ("according to the agency") are never the outlet; with no
evidence the outlet stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from briefings.lexicon import text
from briefings.models import INFERRED_OUTLET_SOURCES, CleanText, SourceDocument
from briefings.read.boilerplate import cut_marker

try:  # the parser re compiles patterns with (Python 3.11 on), for the credit forms' cues
    from re import _constants, _parser  # type: ignore[attr-defined]
except ImportError:  # a Python without it: every form is searched
    _parser = None


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


KNOWN_OUTLETS: tuple[Outlet, ...] = load_outlets(text("outlets.txt"))
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
    written = match.group(1) or match.group(2)
    if "/" in written:
        return None  # "(Photographer/AP)": a picture's credit, not the text's
    return outlet_name(written)


def canonical_outlet_or_site(name: str) -> str | None:
    """A known outlet written as ``name``, also when written as its site ("WSJ.com")."""
    known = canonical_outlet(name)
    if known is None and (site := _SITE_SUFFIX.sub("", name)) != name:
        known = canonical_outlet(site)
    return known


@dataclass(frozen=True)
class OutletFinding:
    """An article's outlet (None when unknown) and the evidence it was read from."""

    name: str | None
    source: str = "none"

    @property
    def is_inferred(self) -> bool:
        """A guess (a picture's credit, a web address), not the article's own word."""
        return self.source in INFERRED_OUTLET_SOURCES


@dataclass(frozen=True)
class CreditForm:
    """One row of ``data/credits.txt``: where a text names its outlet."""

    kind: str
    needs: str  # "any", "known" or "agency"
    regex: re.Pattern[str]
    cue: str = ""
    """Text every match holds (its longest run of plain characters outside any group): a
    text without it is not searched, and most texts have no such credit."""


# A name as outlets write theirs: capitalised words, acronyms, "News18", "NNN-WAFA".
_NAME = r"[A-Z][\w.&'’-]*(?:[ -](?:[A-Z0-9][\w.&'’-]*|of|de|du|al|the)){0,3}"


def load_credit_forms(table: str) -> tuple[CreditForm, ...]:
    """Parse a credit-forms table: "<kind> <needs> <regex>" rows, # comments, {name}."""
    forms = []
    for line in table.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # The kind may be two words ("photo credit"): the needs word marks where it ends.
        match = re.match(r"(\S+(?: \S+)?)\s+(any|known|agency)\s+(.+)$", line.strip())
        if match is None:
            raise ValueError(f"credits table: cannot read {line!r}")
        kind, needs, expression = match.groups()
        regex = re.compile(expression.replace("{name}", _NAME))
        forms.append(CreditForm(kind, needs, regex, _cue(regex.pattern)))
    return tuple(forms)


def _cue(pattern: str) -> str:
    """The longest run of literal characters at the top level of a pattern: in every match
    of it, as written (none under IGNORECASE)."""
    if _parser is None:
        return ""
    parsed = _parser.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return ""
    best = run = ""
    for op, value in parsed:
        if op is _constants.LITERAL:
            run += chr(value)
            best = max(best, run, key=len)
        else:
            run = ""
    return best


CREDIT_FORMS: tuple[CreditForm, ...] = load_credit_forms(text("credits.txt"))
# Where each kind of credit stands: the lines under the headline, the closing lines, anywhere.
TOP_LINES = 12
BOTTOM_LINES = 5
_ZONES = {
    "dateline": "top",
    "source": "edges",
    "footer": "edges",
    "masthead": "edges",
    "desk": "top",
    "correspondent": "all",
    "photo credit": "all",
}
# What a reader is told about each kind of evidence (the finding's ``source``).
_SOURCE_NAMES = {"source": "source line", "desk": "byline"}
_SITE_SUFFIX = re.compile(r"\.(?:com|net|org|co|ca|co\.uk|cn|in|ru|de|fr|news)$", re.IGNORECASE)
_ACRONYM = re.compile(r"[A-Z]{2,8}(?:-[A-Z]{2,8})?")
_NOT_NAMES = re.compile(
    r"(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
    r"[a-z]*\.?(?: \d.*)?|[A-Z]\.?|(?i:ret|file|update|updated|video|live|pictured)\.?"
)
# A distributed picture ("…/Agency via Photo Service", "Pool Photo via Agency") says nothing of the text.
_DISTRIBUTED = re.compile(r"\bvia\b", re.IGNORECASE)
_TITLE_SITE = re.compile(r"^(?P<headline>.{12,}?)\s+(?P<sep>[|–—]|-)\s+(?P<outlet>[^|–—]{2,40})$")


def find_outlet(doc: SourceDocument, text: CleanText) -> str | None:
    """The outlet the article states (never a guess), or None."""
    finding = find_outlet_evidence(doc, text)
    return None if finding.is_inferred else finding.name


def find_outlet_evidence(doc: SourceDocument, text: CleanText) -> OutletFinding:
    """The article's outlet from the strongest evidence it carries, and what that was."""
    if doc.outlet and doc.outlet.strip():
        return OutletFinding(outlet_name(doc.outlet), "field")
    if text.dateline and (agency := agency_in_dateline(text.dateline)):
        return OutletFinding(agency, "dateline")
    lines = _lines(doc.text)
    found = _credit(lines, "dateline") or _credit(lines, "source")
    if found:
        return found
    # clean() reads footers and sign-offs into ``text.outlet``.
    if text.outlet:
        return OutletFinding(text.outlet, "footer")
    for kind in ("footer", "masthead"):
        if found := _credit(lines, kind):
            return found
    if site := _site_in_title(doc.title or text.title or (lines[0] if lines else ""), text):
        return OutletFinding(site, "masthead")
    found = _credit(lines, "desk") or _agency_line(lines, text.title)
    found = found or _credit(lines, "correspondent") or _credit(lines, "photo credit")
    if found:
        return found
    if doc.url and (host := _host_of(doc.url)):
        return OutletFinding(host.removeprefix("www."), "web address")
    return OutletFinding(None)


def _host_of(url: str) -> str | None:
    """A web address's host, or None when it cannot be read as one ("https://[x": urlsplit
    raises, and the article failed its analysis)."""
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _lines(raw: str) -> list[str]:
    """The document's non-empty lines, whitespace collapsed, a scraper's marker cut off."""

    lines = [" ".join(line.split()) for line in raw.splitlines()]
    lines = [line for line in lines if line]
    if lines:
        lines[0] = cut_marker(lines[0]).strip()
    return [line for line in lines if line]


def _zone(lines: list[str], kind: str) -> Iterator[str]:
    where = _ZONES.get(kind, "all")
    if where == "top":
        yield from lines[:TOP_LINES]
    elif where == "edges":
        yield from lines[:TOP_LINES]
        yield from lines[max(TOP_LINES, len(lines) - BOTTOM_LINES) :]
    else:
        yield from lines


def _credit(lines: list[str], kind: str) -> OutletFinding | None:
    zone = list(_zone(lines, kind))
    everything = "\n".join(zone)
    forms = [form for form in CREDIT_FORMS if form.kind == kind and form.cue in everything]
    if not forms:
        return None
    for line in zone:
        if kind == "photo credit" and _DISTRIBUTED.search(line):
            continue
        for form in forms:
            if form.cue not in line:
                continue  # (every match holds its cue, as written)
            for match in form.regex.finditer(line):
                name = _accepted(match.group("outlet"), form.needs)
                if name:
                    return OutletFinding(name, _SOURCE_NAMES.get(kind, kind))
    return None


def _accepted(written: str, needs: str) -> str | None:
    """The outlet's name if ``written`` may be one where the form found it, else None."""
    written = " ".join(written.strip(" .,;:-–—").split())
    if len(written) < 2 or _NOT_NAMES.fullmatch(written):
        return None
    known = canonical_outlet_or_site(written)
    if known:
        return known
    if needs == "known":
        return None
    if needs == "agency":
        return written if _ACRONYM.fullmatch(written) else None
    return written


def _site_in_title(title: str, text: CleanText) -> str | None:
    """A site's name after its headline ("Headline | Site", "Headline – Site").

    After "|" it is always the site. After a dash it may be who the headline quotes
    ("… talks — Kremlin"), who the story then names; a site never names itself there.
    """
    match = _TITLE_SITE.match(title.strip())
    if match is None:
        return None
    name = match.group("outlet").strip()
    if len(name.split()) > 4 or not (name[0].isupper() or name[0].isdigit()):
        return None
    known = canonical_outlet_or_site(name)
    if known:
        return known
    if match.group("sep") != "|":
        body = " ".join(text.paragraphs)
        if re.search(rf"\b{re.escape(name)}\b", body, re.IGNORECASE):
            return None
    return name


def _agency_line(lines: list[str], title: str | None) -> OutletFinding | None:
    """A known outlet's name alone on a line near the top: the agency a page carries."""
    for line in lines[:TOP_LINES]:
        if line != title and (known := canonical_outlet(line)):
            return OutletFinding(known, "agency line")
    return None
