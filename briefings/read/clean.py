"""Cleaning: an article's raw text → its title and paragraphs, boilerplate out, facts kept.

Scraped articles carry lines that are not the article: section labels, "Filed under" lines,
photo captions and credits, banners, "originally appeared on" footers, agency sign-offs.
They are recognised by the patterns in ``data/boilerplate.txt`` and removed; those that
tell something (a date, an outlet, contributors, a credit, the article's address) are kept
in ``metadata_lines``.
The dateline opening the body ("VALLETTA, March 3. /AGENCY/:") is cut off and kept as
written. Article text itself is never rewritten: only whitespace is collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from briefings.extract.dates import is_date_line
from briefings.extract.outlets import agency_in_dateline, canonical_outlet, outlet_name
from briefings.lexicon import lower_words
from briefings.models import CleanText, SourceDocument
from briefings.read.boilerplate import (
    ADDRESS_RULE,
    DATELINE_RULES,
    MARKER_RULES,
    SIGNOFF_RULES,
    match_line,
)

# Kinds of boilerplate whose lines are dropped without a trace: they tell nothing.
SILENT_KINDS = frozenset({"banner", "subhead"})
# A headline is short and is not a sentence; longer first lines open the text itself.
MAX_TITLE_CHARS = 150
MIN_TITLE_WORDS = 3
DERIVED_TITLE_CHARS = 100
# Subheads: a short line standing alone between paragraphs, with no final punctuation.
MAX_SUBHEAD_WORDS = 8
MAX_SUBHEAD_CHARS = 70

_ENDS_TEXT = re.compile(r"[.!?…][\"'”’»)\]]*$")
_ENDS_SENTENCE = re.compile(r"[.!?…:;,][\"'”’»)\]]*$")
_SENTENCE_END = re.compile(r"[.!?][\"'”’»)\]]*(?=\s+[\"'“‘«(\[]?[A-Z0-9])")


def boilerplate_kind(line: str) -> str | None:
    """The kind of boilerplate a whole line is ("caption", "footer", …), or None for text."""
    match = match_line(line)
    if match is not None:
        return match[0]
    return "signoff" if _signoff_outlet(line) else None


def clean(doc: SourceDocument) -> CleanText:
    """Split a document into title and paragraphs, keeping what its boilerplate tells."""
    lines = doc.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    metadata: list[str] = []
    _take_marker(lines, metadata)
    kept, outlet_from_footer, contributors = _strip_boilerplate(lines, metadata)
    url = next(
        (found.group("url") for line in metadata if (found := ADDRESS_RULE.match(line.strip()))),
        None,
    )

    title = doc.title.strip() if doc.title and doc.title.strip() else None
    # A first line opening with a dateline is text, not a headline.
    dateline, kept = _take_dateline(kept, lines=1)
    # Page furniture above the headline (section labels, calls to action, a masthead with its
    # slogan) is not the title: the headline is the first line of the opening that looks like
    # one; what stands above it goes to the metadata.
    if title is None and dateline is None:
        chosen = _headline_index(kept)
        if chosen:
            metadata.extend(line for _, line in kept[:chosen])
            del kept[:chosen]
    if dateline is None and kept:
        first = kept[0][1]
        if _same_text(first, title) if title else _is_headline(first) and _stands_apart(kept):
            title = title or first
            kept.pop(0)
            dateline, kept = _take_dateline(kept)

    outlet_from_signoff = _take_signoffs(kept, metadata)
    kept = _drop_subheads(kept)
    paragraphs = _paragraphs(kept)
    if title is None and paragraphs:
        title = _derive_title(paragraphs[0])
    if title:
        title = _without_stamp(title)
    outlet = (
        (agency_in_dateline(dateline) if dateline else None)
        or outlet_from_footer
        or outlet_from_signoff
    )
    return CleanText(
        title=title,
        paragraphs=paragraphs,
        dateline=dateline,
        metadata_lines=tuple(metadata),
        metadata_kinds=tuple(
            boilerplate_kind(line) or ("date" if is_date_line(line) else None) for line in metadata
        ),
        outlet=outlet,
        contributors=tuple(dict.fromkeys(contributors)),
        url=url,
    )


def _strip_boilerplate(
    lines: list[str], metadata: list[str]
) -> tuple[list[tuple[int, str]], str | None, list[str]]:
    """(paragraph block, line) for each line of text; boilerplate lines go to ``metadata``.

    Also returns the outlet a footer names and the contributors a credit line lists.
    """
    # Blank lines separate paragraphs when a file has them; otherwise every line is one.
    has_blank_lines = _has_blank_line_between_text(lines)
    kept: list[tuple[int, str]] = []
    outlet_from_footer: str | None = None
    contributors: list[str] = []
    last_removed = ""
    block = 0
    # The last lines may be an agency's sign-off, which names the outlet (_take_signoffs).
    text_lines = [n for n, raw in enumerate(lines) if raw.strip()]
    last_lines = text_lines[-2] if len(text_lines) > 2 else 0
    for number, raw in enumerate(lines):
        line = " ".join(raw.split())
        if not line:
            block += 1
            continue
        if line == last_removed or (kept and line == kept[-1][1]):
            continue  # a caption or line repeated
        match = match_line(line)
        credit = number < last_lines and canonical_outlet(line) is not None
        if match is None and (is_date_line(line) or credit):
            # A header or footer that only dates the page, or an outlet's name on a line
            # of its own (a credit): facts about the page, not its text.
            metadata.append(raw.strip())
            last_removed = line
            continue
        if match is None:
            paragraph = block if has_blank_lines else number
            if not has_blank_lines and kept and _continues(kept[-1][1], line):
                paragraph = kept[-1][0]  # a hard-wrapped line: the same paragraph goes on
            kept.append((paragraph, line))
            continue
        kind, found = match
        last_removed = line
        if kind in SILENT_KINDS:
            continue
        metadata.append(raw.strip())
        groups = found.groupdict()
        if kind == "footer" and groups.get("outlet") and outlet_from_footer is None:
            outlet_from_footer = outlet_name(groups["outlet"])
        if kind == "contributors" and groups.get("names"):
            contributors += _split_names(groups["names"])
    return kept, outlet_from_footer, contributors


_OPEN_END = re.compile(
    r"(?:[,;(\u201c\u2018-]|\b(?:said|says|told|and|or|of|the|a|an|to|with|by|for|in|on|at|from|that)\b)$"
)


def _continues(previous: str, line: str) -> bool:
    """Whether a line goes on from the one before in a file with no blank lines: the line
    before stops mid-sentence ("…," said / Ana Ruiz, / the director…), or this one opens
    in lower case."""
    if _ENDS_SENTENCE.search(previous) and not previous.endswith(","):
        return False
    return bool(_OPEN_END.search(previous)) or line[:1].islower()


def _take_marker(lines: list[str], metadata: list[str]) -> None:
    # The marker opens the first line; the rest of that line is the headline or text.
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        for rule in MARKER_RULES:
            found = rule.regex.match(line)
            if found:
                metadata.append(" ".join(found.group(0).split()))
                lines[index] = line[found.end() :]
        return


def _has_blank_line_between_text(lines: list[str]) -> bool:
    seen_text = blank_after_text = False
    for line in lines:
        if line.strip():
            if blank_after_text:
                return True
            seen_text = True
        elif seen_text:
            blank_after_text = True
    return False


DATELINE_LINES = 8
"""A dateline opens the body: the first lines, after a standfirst or summary bullets."""
MAX_STANDFIRST_CHARS = 250


def _take_dateline(
    kept: list[tuple[int, str]], lines: int = DATELINE_LINES
) -> tuple[str | None, list[tuple[int, str]]]:
    """Cut a dateline off the line that opens the body; drop the line if nothing is left."""
    for index, (block, line) in enumerate(kept[:lines]):
        for rule in DATELINE_RULES:
            found = rule.regex.match(line)
            if found:
                rest = line[found.end() :].strip()
                body = [(block, rest)] if rest else []
                return found.group("dateline").strip(), kept[:index] + body + kept[index + 1 :]
        if len(line) > MAX_STANDFIRST_CHARS:
            break  # the body has begun without a dateline
    return None, kept


def _is_headline(line: str) -> bool:
    words = line.split()
    return (
        len(line) <= MAX_TITLE_CHARS
        and len(words) >= MIN_TITLE_WORDS
        and not line.endswith((".", ",", ";", ":"))
    )


def _stands_apart(kept: list[tuple[int, str]]) -> bool:
    # A first line hard-wrapped into the next one ("A long sentence that / wraps") is text.
    if len(kept) < 2 or kept[1][0] != kept[0][0]:
        return True
    return kept[1][1][0].isupper() or kept[1][1][0] in "\"'“‘«("


def _is_label(line: str) -> bool:
    return len(line.split()) < MIN_TITLE_WORDS and not _ENDS_SENTENCE.search(line)


OPENING_LINES = 12
"""How far down a page its headline may stand, below the site's furniture."""
MAX_LABEL_WORDS = 3
"""Section labels and site names are this short ("World News", "Speed Reads")."""
MAX_CALL_TO_ACTION_WORDS = 6
_GLUED = re.compile(r"[a-z]{3}[A-Z][A-Za-z]{2}")
"""Two page elements printed without a space ("The Daily PostAll the news")."""


def _calls_to_action() -> frozenset[str]:
    return lower_words("chrome.txt", "calls to action")


def is_page_chrome(line: str) -> bool:
    """A line the page puts around an article: a label, an invitation, an advert, a masthead.

    Decided from shape: a few Title Case words, an imperative to the reader, two elements
    glued together, pictographs or a price cut.
    """
    words = line.split()
    if not words:
        return True
    if len(words) <= MAX_LABEL_WORDS and not _ENDS_SENTENCE.search(line):
        return True
    first = words[0].strip("\"'“‘«(").lower()
    if first in _calls_to_action() and (
        line.rstrip().endswith("!") or len(words) <= MAX_CALL_TO_ACTION_WORDS
    ):
        return True
    if _GLUED.search(line):
        return True
    return any(unicodedata.category(c) == "So" for c in line) or bool(
        re.search(r"\d\s?%\s*off\b", line, re.IGNORECASE)
    )


def _headline_index(kept: list[tuple[int, str]]) -> int:
    """Where the headline stands among the opening lines: 0 unless furniture comes first."""
    for index, (_, line) in enumerate(kept[:OPENING_LINES]):
        if _ENDS_SENTENCE.search(line) and not is_page_chrome(line):
            return 0  # the text has begun: no headline below its furniture
        if len(line) > MAX_TITLE_CHARS:
            return 0
        if _is_headline(line) and not is_page_chrome(line):
            return index
    return 0


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _take_signoffs(kept: list[tuple[int, str]], metadata: list[str]) -> str | None:
    outlet = None
    while kept and (found := _signoff_outlet(kept[-1][1])):
        outlet = found
        metadata.append(kept.pop()[1])
    return outlet


def _signoff_outlet(line: str) -> str | None:
    if len(line) > 60:
        return None
    for rule in SIGNOFF_RULES:
        found = rule.regex.match(line.strip())
        if found and (known := canonical_outlet(found.group("outlet"))):
            return known
    return None


def _drop_subheads(kept: list[tuple[int, str]]) -> list[tuple[int, str]]:
    lines_in_block = Counter(block for block, _ in kept)
    short = [
        lines_in_block[block] == 1
        and len(line) <= MAX_SUBHEAD_CHARS
        and len(line.split()) <= MAX_SUBHEAD_WORDS
        and line[0].isupper()
        and not _ENDS_SENTENCE.search(line)
        for block, line in kept
    ]
    # A subhead stands alone between paragraphs of text; a run of short lines is a list.
    return [
        item
        for index, item in enumerate(kept)
        if not (0 < index < len(kept) - 1 and short[index]) or short[index - 1] or short[index + 1]
    ]


def _paragraphs(kept: list[tuple[int, str]]) -> tuple[str, ...]:
    paragraphs: list[str] = []
    previous_block = None
    for block, line in kept:
        # Lines of one block are one paragraph, hard-wrapped, unless a line ends a sentence.
        if block == previous_block and paragraphs and not _ENDS_TEXT.search(paragraphs[-1]):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
        previous_block = block
    return tuple(paragraphs)


# A site's stamp after its headline: a numeric date, the site's name before it or not
# ("… in Beijing DW 04/16/2024"). A date alone or a known outlet then a date, never a word.
_STAMP_DATE = re.compile(r"\s+\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\s*$")


def _without_stamp(title: str) -> str:
    """The headline without the date (and the outlet before it) a page stamped on it."""
    stamp = _STAMP_DATE.search(title)
    if stamp is None or stamp.start() == 0:
        return title
    headline = title[: stamp.start()]
    words = headline.split()
    for size in (3, 2, 1):
        if len(words) > size and canonical_outlet(" ".join(words[-size:])):
            headline = " ".join(words[:-size])
            break
    return headline.rstrip(" ,;:–—-|·")


def _derive_title(paragraph: str) -> str:
    head = paragraph[: DERIVED_TITLE_CHARS * 3]
    end = _SENTENCE_END.search(head, 20)
    sentence = head[: end.start() + 1] if end else head
    sentence = sentence.rstrip(".")
    if len(sentence) <= DERIVED_TITLE_CHARS:
        return sentence
    cut = sentence.rfind(" ", 0, DERIVED_TITLE_CHARS)
    return sentence[: cut if cut > 0 else DERIVED_TITLE_CHARS].rstrip(",;:–—- ") + "…"


def _split_names(names: str) -> list[str]:
    parts = re.split(r"\s*(?:,|;|&|\band\b)\s*", names.strip().rstrip("."))
    return [outlet_name(part) for part in parts if part.strip()]
