"""Readers: article files (text, Markdown, HTML, JSON, JSON Lines, RSS/Atom) → SourceDocuments.

Over 400 lines: one section a file format (bytes and text, Markdown and HTML, JSON, feeds),
all behind one entry point, so that every format rejects bad input the same way.

A reader only gets text and the metadata a format states explicitly (a JSON field, a feed
element, an HTML meta tag); it never interprets the text. Cleaning, titles found in the text
and dates found in the text belong to later stages. Bad files raise ``UnreadableArticle``
with a reason a user can act on; bad entries of a multi-article file are rejected one by one.
A link found in a folder that leads out of it is never followed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefings.errors import UnreadableArticle
from briefings.models import SourceDocument

# Extension → reader kind; files with any other extension are not articles.
FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
}

DEFAULT_MAX_BYTES = 2_000_000

# JSON field names, in order of preference, that hold each SourceDocument field.
JSON_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "text": ("text", "body", "content"),
    "url": ("url", "link"),
    "published": ("published", "date", "published_at"),
    "outlet": ("outlet", "source", "site"),
}


@dataclass(frozen=True)
class ReadResult:
    """The documents read from one file, and the entries of it that were rejected."""

    documents: tuple[SourceDocument, ...]
    rejected: tuple[tuple[str, str], ...] = ()
    """(path, reason) for each entry of a multi-article file that could not be used."""


LINK_OUT_OF_FOLDER = "a link to a file outside the folder: not followed"


def iter_article_files(
    paths: Iterable[str | Path], *, refused: list[tuple[str, str]] | None = None
) -> Iterator[Path]:
    """Yield the files named in ``paths`` and the article files in its folders (sorted).

    A link found in a folder that leads out of it is never followed: it is left out, and
    (path, reason) goes to ``refused`` when given.
    """
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        if root.is_dir():
            found = []
            real_root = os.path.realpath(root)
            for path in sorted(_walk_visible_files(root)):
                if _is_within(os.path.realpath(path), real_root):
                    found.append(path)
                elif refused is not None:
                    refused.append((str(path), LINK_OUT_OF_FOLDER))
        elif root.is_file():
            # Named explicitly, so read_documents rejects it by name if its type is unknown,
            # rather than it vanishing in silence.
            found = [root]
        else:
            continue  # a missing path is the caller's to report
        for path in found:
            if path not in seen:
                seen.add(path)
                yield path


def _is_within(real_path: str, real_folder: str) -> bool:
    return os.path.commonpath([real_path, real_folder]) == real_folder


def _walk_visible_files(root: Path) -> Iterator[Path]:
    for folder, dirnames, filenames in os.walk(root):
        # Pruning in place keeps os.walk out of hidden folders (.git, .venv…).
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and Path(name).suffix.lower() in FORMATS:
                yield Path(folder, name)


def read_documents(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ReadResult:
    """Read one article file into documents; raise UnreadableArticle if the file is unusable."""
    path = Path(path)
    label = str(path)
    raw = _read_bytes(path, max_bytes)
    kind = FORMATS[path.suffix.lower()]
    if kind == "feed":
        return _read_feed(raw, label)
    text = _decode(raw, declared=_declared_charset(raw) if kind == "html" else None)
    if not text.strip():
        raise UnreadableArticle("file is empty (only whitespace)")
    if kind == "text":
        return ReadResult((SourceDocument(path=label, text=text, format="text"),))
    if kind == "markdown":
        return ReadResult((SourceDocument(path=label, text=strip_markdown(text), format="text"),))
    if kind == "html":
        return ReadResult((_read_html(text, label),))
    if kind == "json":
        return _read_json(text, label)
    return _read_jsonl(text, label)


def parse_feed(data: bytes, source: str) -> list[SourceDocument]:
    """Read an RSS or Atom feed's entries as documents named ``source#<entry id>``."""
    return list(_read_feed(data, source).documents)


def read_feed(data: bytes, source: str) -> ReadResult:
    """Read an RSS or Atom feed: its documents, and what was rejected. A feed that is not
    well-formed XML but still yields entries is rejected under ``source`` itself."""
    return _read_feed(data, source)


# --- bytes and text -------------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
# Non-letters that real Western text written in cp1252/Latin-1 contains.
_CP1252_PUNCTUATION = frozenset("‘’‚“”„–—…•·«»°§¶©®™€£¥¢±×÷¡¿ªº¹²³¼½¾\xa0")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableArticle("file not found") from None
    except OSError as error:
        raise UnreadableArticle(f"cannot read the file ({error.strerror})") from None
    if path.is_dir():
        raise UnreadableArticle("is a folder, not a file")
    if path.suffix.lower() not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise UnreadableArticle(f"unsupported file type {path.suffix or '(none)'!r}; use {known}")
    # Checked before reading so that a huge file costs nothing.
    if size > max_bytes:
        raise UnreadableArticle(_too_big(size, max_bytes))
    try:
        with path.open("rb") as file:
            # As much as stat() said, and a byte more to see the file grew: asking for the
            # limit instead has the whole limit allocated for every file (2 MB, to read 2 KB).
            raw = file.read(size + 1)
            if len(raw) > size:  # it grew after stat(): read on, up to the limit
                raw += file.read(max_bytes + 1 - len(raw))
    except OSError as error:
        raise UnreadableArticle(f"cannot read the file ({error.strerror})") from None
    if len(raw) > max_bytes:  # the file grew after stat()
        raise UnreadableArticle(_too_big(len(raw), max_bytes))
    if not raw:
        raise UnreadableArticle("file is empty")
    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableArticle("file is binary, not text")
    return raw


def _too_big(size: int, limit: int) -> str:
    return f"file is {_megabytes(size)} MB, over the {_megabytes(limit)} MB limit"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".removesuffix(".0") if size >= 100_000 else f"{size / 1e6:g}"


def _decode(raw: bytes, declared: str | None = None) -> str:
    """Decode UTF-8 (else UTF-16 with a BOM, the declared charset, or plausible cp1252)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", declared] if declared else ["utf-8-sig"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        if encodings == ["utf-16"]:
            raise UnreadableArticle("not UTF-8 text")
        text = _decode_cp1252(raw)
    # A stray control character is a typing accident; many of them mean a binary file.
    sample = text[:100_000]
    if len(_CONTROL_CHARS.findall(sample)) > max(2, len(sample) // 100):
        raise UnreadableArticle("file is binary, not text")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _declared_charset(raw: bytes) -> str | None:
    """The charset an HTML page declares in its first kilobytes, if any."""
    match = _CHARSET.search(raw, 0, 4096)
    return match.group(1).decode("ascii") if match else None


def _decode_cp1252(raw: bytes) -> str:
    # Old Windows-made files are cp1252; random bytes also decode, so check the result reads
    # like Western text: mostly ASCII letters, and every other character a letter or the
    # typographic punctuation such files contain.
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableArticle("not UTF-8 text") from None
    visible = len(text) - text.count(" ") - text.count("\n")
    non_ascii = set(_NON_ASCII.findall(text))
    is_plausible = len(_ASCII_LETTERS.findall(text)) >= 0.5 * visible and all(
        char.isalpha() or char in _CP1252_PUNCTUATION for char in non_ascii
    )
    if not is_plausible:
        raise UnreadableArticle("not UTF-8 text")
    return text


# --- Markdown and HTML ----------------------------------------------------------------------

_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_MD_STRONG = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")


def strip_markdown(text: str) -> str:
    """Remove the light Markdown markup (headings, bold, links, images) from ``text``."""
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    return _MD_STRONG.sub(lambda match: match.group(1) or match.group(2), text)


def _read_html(markup: str, label: str) -> SourceDocument:
    import trafilatura  # imported here: it costs a quarter second that text-only runs skip
    from trafilatura.settings import Document, set_date_params

    # No extensive date search: a date guessed from the page's text is not a stated field.
    date_params = set_date_params(extensive=False)
    extracted = trafilatura.bare_extraction(
        markup,
        with_metadata=True,
        include_comments=False,
        date_extraction_params=date_params,
    )
    found = extracted.as_dict() if isinstance(extracted, Document) else extracted or {}
    if (found.get("text") or "").strip():
        metadata, text = found, found["text"]
    else:
        # Too little text for trafilatura's taste: keep every visible line instead.
        tree = trafilatura.load_html(markup)
        if tree is None:
            raise UnreadableArticle("no article text found in the HTML")
        metadata = trafilatura.extract_metadata(tree, date_config=date_params).as_dict()
        text = html_to_text(markup)
    if not text.strip():
        raise UnreadableArticle("no article text found in the HTML")
    return SourceDocument(
        path=label,
        text=text,
        title=metadata.get("title") or None,
        url=metadata.get("url") or None,
        published=metadata.get("date") or None,
        outlet=metadata.get("sitename") or None,
        format="html",
    )


_BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "figcaption", "table",
)  # fmt: skip
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "head")
_RUNS_OF_SPACE = re.compile(r"[ \t\xa0\f\v]+")
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!]")


def html_to_text(markup: str) -> str:
    """Strip tags, keeping one line per block element."""
    if not _LOOKS_LIKE_MARKUP.search(markup):
        return _tidy_lines(markup)
    from lxml import etree
    from lxml import html as lxml_html

    parser = lxml_html.HTMLParser(encoding="utf-8")
    try:
        root = lxml_html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*_INVISIBLE_TAGS)):
        element.drop_tree()
    for element in root.iter(*_BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
    return _tidy_lines(root.text_content())


def _tidy_lines(text: str) -> str:
    lines = (_RUNS_OF_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --- JSON and JSON Lines --------------------------------------------------------------------

TOO_DEEP = "JSON nested too deeply to be an article"


def _read_json(text: str, label: str) -> ReadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableArticle(f"invalid JSON at line {error.lineno}") from None
    except RecursionError:
        raise UnreadableArticle(TOO_DEEP) from None
    if isinstance(data, dict):
        return ReadResult((_document_from_json(data, label),))
    if isinstance(data, list):
        if not data:
            raise UnreadableArticle("the JSON list holds no articles")
        # Entries are always numbered, so an entry keeps its name when the list grows.
        return _collect([(f"{label}#{number}", item) for number, item in enumerate(data, 1)])
    raise UnreadableArticle("JSON must hold an article object or a list of them")


def _read_jsonl(text: str, label: str) -> ReadResult:
    documents: list[SourceDocument] = []
    rejected: list[tuple[str, str]] = []
    # Numbered by line, so "#3" is line 3 of the file whatever the blank lines around it.
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        entry_label = f"{label}#{number}"
        try:
            documents.append(_document_from_json(json.loads(line), entry_label))
        except json.JSONDecodeError:
            rejected.append((entry_label, f"invalid JSON at line {number}"))
        except RecursionError:
            rejected.append((entry_label, TOO_DEEP))
        except UnreadableArticle as error:
            rejected.append((entry_label, str(error)))
    return ReadResult(tuple(documents), tuple(rejected))


def _collect(entries: list[tuple[str, Any]]) -> ReadResult:
    documents: list[SourceDocument] = []
    rejected: list[tuple[str, str]] = []
    for label, entry in entries:
        try:
            documents.append(_document_from_json(entry, label))
        except UnreadableArticle as error:
            rejected.append((label, str(error)))
    return ReadResult(tuple(documents), tuple(rejected))


def _document_from_json(entry: Any, label: str) -> SourceDocument:
    if not isinstance(entry, dict):
        raise UnreadableArticle(f"entry is a JSON {_json_type(entry)}, not an article object")
    fields = {name: _first_field(entry, keys) for name, keys in JSON_FIELDS.items()}
    text = fields.pop("text")
    if not text or not text.strip():
        raise UnreadableArticle("no text (expected a text, body or content field)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Many exports keep the article body as HTML.
    if _LOOKS_LIKE_MARKUP.search(text):
        text = html_to_text(text) or text
    return SourceDocument(path=label, text=text, format="json", **fields)


def _first_field(entry: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, dict):  # e.g. NewsAPI's "source": {"id": …, "name": …}
            value = value.get("name") or value.get("title")
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float) and key in JSON_FIELDS["published"]:
            value = _unix_time(value)
        if isinstance(value, str) and value.strip():
            return value.strip() if key not in JSON_FIELDS["text"] else value
    return None


def _unix_time(seconds: float) -> str | None:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _json_type(value: Any) -> str:
    names = {str: "string", list: "list", int: "number", float: "number", bool: "boolean"}
    return names.get(type(value), "null")


# --- RSS and Atom ---------------------------------------------------------------------------


def _read_feed(data: bytes, source: str) -> ReadResult:
    import feedparser  # imported here: only feed files need it

    try:
        parsed = feedparser.parse(_without_bad_char_refs(data))
    except Exception as error:  # its parser's own failure on a broken feed, of any kind
        raise UnreadableArticle(
            f"malformed feed: the feed parser failed ({type(error).__name__})"
        ) from None
    problem = _malformed(parsed)
    if not parsed.entries:
        if not parsed.get("version"):
            raise UnreadableArticle("not an RSS or Atom feed")
        if problem:
            raise UnreadableArticle(f"malformed feed: {problem}")
        raise UnreadableArticle("the feed has no entries")
    outlet = parsed.feed.get("title") or None
    documents: list[SourceDocument] = []
    rejected: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, entry in enumerate(parsed.entries, 1):
        label = f"{source}#{entry.get('id') or entry.get('link') or number}"
        text = html_to_text(_entry_body(entry))
        if label in seen:
            rejected.append((label, "the same entry appears twice in the feed"))
        elif not text:
            rejected.append((label, "the entry has no text"))
        else:
            seen.add(label)
            documents.append(
                SourceDocument(
                    path=label,
                    text=text,
                    title=html_to_text(entry.get("title") or "") or None,
                    url=entry.get("link") or None,
                    published=_entry_date(entry),
                    outlet=outlet,
                    format="feed",
                )
            )
    if problem:
        # feedparser recovered what it could; the feed itself is still broken.
        rejected.insert(0, (source, f"malformed feed: {problem} ({len(documents)} entries read)"))
    return ReadResult(tuple(documents), tuple(rejected))


# A numeric character reference (its ";" optional, as feedparser reads them): feedparser
# raises on one to no character (past U+10FFFF, or a UTF-16 surrogate), and the whole feed
# was lost for one such reference in one entry.
_CHAR_REF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")
_NO_CHARACTER = b"&#xFFFD;"


def _without_bad_char_refs(data: bytes) -> bytes:
    """The feed with each reference to no character read as U+FFFD, the replacement
    character (as a decoder reads bytes that are no character)."""

    def checked(ref: re.Match[bytes]) -> bytes:
        hexadecimal, decimal = ref.groups()
        digits = (hexadecimal or decimal).lstrip(b"0")
        if len(digits) > 8:  # past any character, and int() refuses thousands of digits
            return _NO_CHARACTER
        value = int(digits or b"0", 16 if hexadecimal else 10)
        return _NO_CHARACTER if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF else ref[0]

    return _CHAR_REF.sub(checked, data)


def _malformed(parsed: Any) -> str | None:
    """Why a feed is not well-formed XML (None when it is, or only its charset was off)."""
    from xml.sax import SAXException, SAXParseException

    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not isinstance(error, SAXException):
        return None
    if isinstance(error, SAXParseException):
        return f"{error.getMessage()} at line {error.getLineNumber()}"
    return str(error)


def _entry_body(entry: Any) -> str:
    # An entry's full content, when given, is longer than its summary.
    contents = [part.get("value") or "" for part in entry.get("content") or []]
    return max(contents, key=len, default="") or entry.get("summary") or ""


def _entry_date(entry: Any) -> str | None:
    """The entry's publication date as ISO YYYY-MM-DD, in the publisher's own time zone."""
    for key in ("published", "updated"):
        written = entry.get(key)
        if not written:
            continue
        try:
            return email.utils.parsedate_to_datetime(written).date().isoformat()
        except (TypeError, ValueError):
            pass
        try:
            return dt.datetime.fromisoformat(written).date().isoformat()
        except ValueError:
            pass
        # feedparser's own parse (in UTC) covers the many other ways feeds write dates.
        parsed = entry.get(f"{key}_parsed")
        if parsed:
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
    return None
