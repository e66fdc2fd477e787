"""Dates: when an article was published, and the dates it gives for what it reports.

Over 400 lines: the calendar patterns, publication evidence and event dates share the same
date grammar; split, each half would rebuild it.

Publication evidence is ranked: an explicit field or ``date YYYY-MM-DD`` marker, then the
dateline ("VALLETTA, March 3. /AGENCY/", its year inferred from the body when missing), a
header date line ("Mar 3 2017") and a footer ("originally appeared on X, August 20, 2017").
Dates in the body are never taken for the publication date: they are background or the event
itself. Photo captions date the scene they show, never the article: they are kept as evidence
of which happening the article pictures. A dateline without a year and nothing to borrow one
from keeps its month and day; the year comes later from the article's event, or never.

Event dates are the explicit dates and weekday references ("on Thursday", "next Tuesday")
of the sentences, resolved against the publication date with the tense around them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Iterator, Sequence

from briefings.lexicon import case_key
from briefings.models import CleanText, DateFinding, SourceDocument

# Month and weekday names as English news writes them: full name first, then abbreviations
# (written with or without a final dot).
MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("January", "Jan"),
    ("February", "Feb"),
    ("March", "Mar"),
    ("April", "Apr"),
    ("May",),
    ("June", "Jun"),
    ("July", "Jul"),
    ("August", "Aug"),
    ("September", "Sept", "Sep"),
    ("October", "Oct"),
    ("November", "Nov"),
    ("December", "Dec"),
)
WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("Monday", "Mon"),
    ("Tuesday", "Tue", "Tues"),
    ("Wednesday", "Wed"),
    ("Thursday", "Thu", "Thur", "Thurs"),
    ("Friday", "Fri"),
    ("Saturday", "Sat"),
    ("Sunday", "Sun"),
)

MONTHS: dict[str, int] = {
    name.lower(): number for number, names in enumerate(MONTH_NAMES, 1) for name in names
}
WEEKDAYS: dict[str, int] = {
    name.lower(): number for number, names in enumerate(WEEKDAY_NAMES) for name in names
}
CALENDAR_WORDS: frozenset[str] = frozenset(names[0] for names in MONTH_NAMES + WEEKDAY_NAMES)
"""Full month and weekday names as written ("March", "Monday"): never a place or a party."""


def _alternation(table: tuple[tuple[str, ...], ...], *, full_only: bool = False) -> str:
    # Capitalised and upper-case spellings only: "may" and "march" are ordinary words.
    forms: list[str] = []
    for names in table:
        full, *abbreviations = names
        forms += [full, full.upper()]
        if not full_only:
            forms += [rf"{a}\.?" for a in abbreviations] + [
                rf"{a.upper()}\.?" for a in abbreviations
            ]
    forms.sort(key=len, reverse=True)
    return "(?:" + "|".join(forms) + ")"


MONTH_PATTERN = _alternation(MONTH_NAMES)
"""A regular expression matching a month name or abbreviation ("September", "Sept.", "Sep")."""
WEEKDAY_PATTERN = _alternation(WEEKDAY_NAMES)
"""A regular expression matching a weekday name or abbreviation ("Monday", "Mon.")."""
_WEEKDAY_FULL = _alternation(WEEKDAY_NAMES, full_only=True)

_YEAR = r"(?:1[89]|20)\d\d(?!\d)"
_MONTH_DAY_YEAR = (
    rf"(?:{WEEKDAY_PATTERN},?\s+)?(?P<m1>{MONTH_PATTERN})(?![A-Za-z])\s+"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])(?:,?\s+(?P<y1>{_YEAR}))?"
)
_DAY_MONTH_YEAR = (
    rf"(?:{WEEKDAY_PATTERN},?\s+)?(?<![\d.,])(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"(?P<m2>{MONTH_PATTERN})(?![A-Za-z])(?:,?\s+(?P<y2>{_YEAR}))?"
)
_ISO = r"(?<!\d)(?P<y3>(?:19|20)\d\d)-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)(?!\d)"
_MONTH_YEAR = rf"(?P<m4>{MONTH_PATTERN})(?![A-Za-z])\s+(?P<y4>{_YEAR})"
# "16/06/2021", "16.06.2021": day first, as most of the world writes it, unless that cannot be.
_NUMERIC = (
    r"(?<![\d/.])(?P<d5>\d{1,2})(?P<sep>[./])(?P<m5>\d{1,2})(?P=sep)(?P<y5>(?:19|20)\d\d)(?!\d)"
)

_DATE = re.compile(rf"\b(?:{_MONTH_DAY_YEAR}|{_DAY_MONTH_YEAR}|{_ISO}|{_NUMERIC})")
# Dates with a year, and "in March 2017": what a body says about when things happened.
_YEAR_ANCHOR = re.compile(rf"\b(?:{_MONTH_DAY_YEAR}|{_DAY_MONTH_YEAR}|{_ISO}|{_MONTH_YEAR})")
_MARKER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})(?!\d)")

# What an event date can be written as: an explicit date, a weekday, or today/yesterday.
# Each branch first looks ahead at the one character it can start with (a digit or the
# capital of a month or weekday name; a modifier's letter in either case or a weekday's
# capital): at every other word start it then fails at once, where it tried the optional
# weekday, the modifiers and the seven look-behinds before (matching took 40% less time).
_EVENT = re.compile(
    rf"\b(?=[\dJFMASONDTW])(?P<date>{_MONTH_DAY_YEAR}|{_DAY_MONTH_YEAR}|{_ISO})"
    r"|\b(?=(?i:[nltcpeo])|[MTWFS])"
    rf"(?:(?P<mod>(?i:next|last|this|coming|past|later\s+on|earlier\s+on|later|earlier|on))\s+)?"
    # Named days ("Black Friday", "Super Tuesday") are not dates.
    r"(?<!Black )(?<!Good )(?<!Super )(?<!Cyber )(?<!Bloody )(?<!Ash )(?<!Easter )"
    rf"(?P<weekday>{_WEEKDAY_FULL})(?:'s|’s)?\b"
    r"|\b(?P<relative>(?i:today|tonight|yesterday|tomorrow))\b"
)
# What every event date contains, one for each of _EVENT's branches (keep them in step): a
# digit (explicit dates), a full weekday name as the weekday branch spells it, or a relative
# day. Most sentences have none, and these searches cost a fraction of _EVENT's, so those
# skip _EVENT entirely. Three searches, not one alternation: the regex engine skips ahead
# to the characters each starts with (a digit; a weekday's capital; "t" or "y" in either
# case, which case-blind match no other character), where it tries an alternation branch by
# branch at every position. The relative days' other letters stay case-blind.
_EVENT_SIGNS = (
    re.compile(r"\d"),
    re.compile(_WEEKDAY_FULL),
    re.compile(r"[Tt](?i:oday|onight|omorrow)|[Yy](?i:esterday)"),
)


def _event_matches(sentence: str) -> Iterator[re.Match[str]]:
    """_EVENT's matches in a sentence, found only where a date can be at all."""
    digit, weekday, relative = _EVENT_SIGNS
    if (
        digit.search(sentence) is None
        and weekday.search(sentence) is None
        and relative.search(sentence) is None
    ):
        return iter(())
    return _EVENT.finditer(sentence)


# Tense cues near a date: the closest one decides whether a weekday lies before or after
# the publication date. Future cues are tried first so "expected" is not read as a past "-ed".
_TENSE = re.compile(
    r"\b(?P<future>will|shall|won't|going to|plans? to|planned|is to|are to|expected|scheduled"
    r"|due|set to|would|upcoming|ahead of|to (?:meet|visit|hold|travel|discuss|attend|begin"
    r"|start|sign|host|open|take|make|be))\b|(?P<future_short>'ll|’ll)\b"
    r"|\b(?P<past>was|were|had|did|has been|have been|said|told|met|held|began|came|went|made"
    r"|took|gave|spoke|ago|(?!(?:need|indeed|speed|feed|seed|shed|bed|red|hundred|proceed"
    r"|exceed|succeed)\b)[a-z]{2,}ed)\b"
)
_TENSE_WINDOW = 80
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}
_DIRECTIONS = ("past", "future", "next", "last", "nearest")


def resolve_weekday(name: str, anchor: dt.date, direction: str) -> dt.date:
    """The date of weekday ``name`` seen from ``anchor``, looking in ``direction``.

    Directions: "past" (on or before the anchor), "future" (on or after), "last" (strictly
    before), "next" (strictly after), "nearest" (within three days either side).
    """
    weekday = WEEKDAYS.get(name.strip().rstrip(".").lower())
    if weekday is None:
        raise ValueError(f"not a weekday: {name!r}")
    ahead = (weekday - anchor.weekday()) % 7
    if direction == "future":
        offset = ahead
    elif direction == "next":
        offset = ahead or 7
    elif direction == "past":
        offset = ahead - 7 if ahead else 0
    elif direction == "last":
        offset = ahead - 7
    elif direction == "nearest":
        offset = ahead if ahead <= 3 else ahead - 7
    else:
        raise ValueError(f"direction must be one of {', '.join(_DIRECTIONS)}, not {direction!r}")
    return anchor + dt.timedelta(days=offset)


_TIME = re.compile(
    r"\b\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s*(?:[A-Z]{2,5}|[+-]\d{2}:?\d{2}))?"
)
_DATE_LINE_WORDS = re.compile(
    r"(?i)\b(?:published|updated|posted|last|modified|first|originally|date|on|at|by|min|mins|"
    r"minute|minutes|read|ago|am|pm|utc|gmt)\b"
)
_BYLINE = re.compile(r"\bBy\s+(?:[A-Z][\w'’.-]+\s?){1,4}")


def is_date_line(line: str) -> bool:
    """A short line that is a date and little else: "Updated 12:30 GMT, 16 June 2021",
    "By Jane Doe | June 16, 2021 | 5 min read", "Published: 2021-06-16T10:00:00Z"."""
    if len(line) > 100 or line.rstrip().endswith((".", "?", "!")) and not _DATE.search(line[-14:]):
        return False
    found = _DATE.search(line)
    if not found or not (
        found.group("y1") or found.group("y2") or found.group("y3") or found.group("y5")
    ):
        return False
    rest = _DATE.sub(" ", line)
    rest = re.sub(r"T\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?", " ", rest)
    rest = _TIME.sub(" ", _BYLINE.sub(" ", rest))
    rest = _DATE_LINE_WORDS.sub(" ", rest)
    words = re.findall(r"[^\W\d_]{2,}", rest)
    return len(words) <= 2


def parse_date_text(s: str, default_year: int | None = None) -> dt.date | None:
    """The first date written in ``s`` ("Sept. 17, 2018", "12 September", "2019-09-12")."""
    for match in _DATE.finditer(s):
        year, month, day = _parts(match)
        found = _make_date(year or default_year, month, day)
        if found is not None:
            return found
    return None


def find_publication_date(doc: SourceDocument, text: CleanText) -> DateFinding:
    """When the article was published, from the strongest evidence it carries."""
    line_kinds = list(text.metadata_kinds)
    pictures = _picture_dates(text.metadata_lines, line_kinds)
    kinds = list(zip(text.metadata_lines, line_kinds, strict=True))
    if doc.published and (published := _parse_field(doc.published)):
        return DateFinding(published, "field", picture_dates=pictures)
    for line in text.metadata_lines:
        marker = _MARKER.match(line)
        if marker and (marked := _parse_field(marker.group(1))):
            return DateFinding(marked, "field", picture_dates=pictures)
    if text.dateline and (from_dateline := _dateline_date(text)):
        return DateFinding(from_dateline, "dateline", picture_dates=pictures)
    for wanted, source in (("date", "header"), ("footer", "footer")):
        for line, kind in kinds:
            if kind == wanted and (found := parse_date_text(line)):
                return DateFinding(found, source, picture_dates=pictures)
    # Captions date the pictured scene, often a background picture: never the article.
    return DateFinding(None, "none", partial=_dateline_partial(text), picture_dates=pictures)


def _picture_dates(
    metadata_lines: Sequence[str], kinds: Sequence[str | None]
) -> tuple[dt.date, ...]:
    found: dict[dt.date, None] = {}
    for line, kind in zip(metadata_lines, kinds, strict=True):
        if kind == "caption":
            for match in _DATE.finditer(line):
                year, month, day = _parts(match)
                if (day_found := _make_date(year, month, day)) is not None:
                    found.setdefault(day_found, None)
    return tuple(found)


def _dateline_partial(text: CleanText) -> tuple[int, int] | None:
    """The month and day of a dateline that has no year and no year to borrow."""
    match = _DATE.search(text.dateline or "")
    if match is None:
        return None
    year, month, day = _parts(match)
    if year is not None or day == 0 or _make_date(2000, month, day) is None:
        return None
    return month, day


def find_event_dates(sentences: Sequence[str], published: dt.date | None) -> tuple[dt.date, ...]:
    """Dates the sentences give for what they report, resolved against ``published``.

    Without a publication date only explicit dates with a year can be resolved.
    """
    found: dict[dt.date, None] = {}
    for sentence in sentences:
        previous_end = 0
        for match in _event_matches(sentence):
            resolved = _resolve(match, sentence, previous_end, published)
            previous_end = match.end()
            if resolved is not None:
                found.setdefault(resolved, None)
        if published is not None:
            # "next week": a week on, as near as the text allows.
            # (a case-blind "week" lowers to "week": only then is the pattern tried)
            weeks = _RELATIVE_WEEK.finditer(sentence) if "week" in sentence.lower() else ()
            for week in weeks:
                offset = _WEEK_OFFSETS[case_key(week.group(1))]
                found.setdefault(published + dt.timedelta(days=offset), None)
    return tuple(found)


def date_mentions(sentence: str, anchor: dt.date) -> list[tuple[int, dt.date]]:
    """(position, date) of every date the sentence gives, resolved against ``anchor``.

    The anchor is the publication date, or for an undated article a date of its event: a
    month and day without a year, or a weekday, then take the nearest fitting date.
    """
    found: list[tuple[int, dt.date]] = []
    previous_end = 0
    for match in _event_matches(sentence):
        resolved = _resolve(match, sentence, previous_end, anchor)
        previous_end = match.end()
        if resolved is not None:
            found.append((match.start(), resolved))
    return found


_MONTH_DAY = re.compile(rf"\b(?:{_MONTH_DAY_YEAR}|{_DAY_MONTH_YEAR})")


_OPENS_WITH_WEEKDAY = re.compile(WEEKDAY_PATTERN)


def month_day_mentions(sentence: str) -> list[tuple[int, tuple[int, int]]]:
    """(position, (month, day)) of dates written with a weekday but no year ("Friday,
    November 4"): the day of something in the article's present, not a date in the past."""
    found = []
    for match in _MONTH_DAY.finditer(sentence):
        year, month, day = _parts(match)
        if (
            year is None
            and day
            and _make_date(2000, month, day) is not None
            and _OPENS_WITH_WEEKDAY.match(match.group())
        ):
            found.append((match.start(), (month, day)))
    return found


_RELATIVE_WEEK = re.compile(r"\b(next|this|last|coming)\s+week\b", re.IGNORECASE)
_WEEK_OFFSETS = {"next": 7, "coming": 7, "this": 0, "last": -7}


def _resolve(
    match: re.Match[str], sentence: str, previous_end: int, published: dt.date | None
) -> dt.date | None:
    if match.group("date"):
        year, month, day = _parts(match)
        if year is not None:
            return _make_date(year, month, day)
        if published is None:
            return None
        return _year_for(month, day, published, _direction(match, sentence, previous_end))
    if published is None:
        return None
    relative = match.group("relative")
    if relative:
        return published + dt.timedelta(days=_RELATIVE_DAYS[case_key(relative)])
    return resolve_weekday(
        match.group("weekday"), published, _direction(match, sentence, previous_end)
    )


def _direction(match: re.Match[str], sentence: str, previous_end: int) -> str:
    modifier = " ".join((match.groupdict().get("mod") or "").lower().split())
    if modifier in ("next", "last"):
        return modifier
    if modifier == "past":
        return "last"
    if modifier in ("later", "later on", "coming"):
        return "future"
    if modifier in ("earlier", "earlier on"):
        return "past"
    if modifier == "this":
        return "nearest"
    # The closest tense cue before the date (within its own clause), else the first after it.
    before = sentence[max(previous_end, match.start() - _TENSE_WINDOW) : match.start()]
    cues = list(_TENSE.finditer(before))
    cue = cues[-1] if cues else _TENSE.search(sentence, match.end(), match.end() + _TENSE_WINDOW)
    if cue is None:
        return "nearest"
    return "past" if cue.group("past") else "future"


def _year_for(month: int, day: int, published: dt.date, direction: str) -> dt.date | None:
    candidates = [
        d
        for y in (published.year - 1, published.year, published.year + 1)
        if (d := _make_date(y, month, day)) is not None
    ]
    if direction in ("past", "last"):
        before = [d for d in candidates if d <= published]
        return max(before) if before else None
    if direction in ("future", "next"):
        after = [d for d in candidates if d >= published]
        return min(after) if after else None
    return min(candidates, key=lambda d: abs((d - published).days), default=None)


def _parts(match: re.Match[str]) -> tuple[int | None, int, int]:
    groups = match.groupdict()
    for m, d, y in (("m1", "d1", "y1"), ("m2", "d2", "y2")):
        if groups.get(m):
            year = int(groups[y]) if groups.get(y) else None
            return year, MONTHS[groups[m].rstrip(".").lower()], int(groups[d])
    if groups.get("m3"):
        return int(groups["y3"]), int(groups["m3"]), int(groups["d3"])
    if groups.get("m5"):
        day, month = int(groups["d5"]), int(groups["m5"])
        if month > 12 >= day:
            day, month = month, day
        return int(groups["y5"]), month, day
    return int(groups["y4"]), MONTHS[groups["m4"].rstrip(".").lower()], 0


def _make_date(year: int | None, month: int, day: int) -> dt.date | None:
    if year is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _parse_field(value: str) -> dt.date | None:
    value = value.strip()
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        pass
    return parse_date_text(value)


def _dateline_date(text: CleanText) -> dt.date | None:
    match = _DATE.search(text.dateline or "")
    if match is None:
        return None
    year, month, day = _parts(match)
    if year is not None:
        return _make_date(year, month, day)
    # A dateline leaves out the year everyone knew that day: take the latest year the body
    # dates anything in, moved on a year if the dateline would precede those dates.
    latest: tuple[int, int, int] | None = None
    for source in (*text.paragraphs, *text.metadata_lines):
        for anchor in _YEAR_ANCHOR.finditer(source):
            anchor_year, anchor_month, anchor_day = _parts(anchor)
            if anchor_year is not None and (
                latest is None or (anchor_year, anchor_month, anchor_day) > latest
            ):
                latest = (anchor_year, anchor_month, anchor_day)
    if latest is None:
        return None
    year = latest[0] + 1 if (month, day) < latest[1:] else latest[0]
    return _make_date(year, month, day)
