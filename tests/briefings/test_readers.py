from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from briefings.errors import UnreadableArticle
from briefings.models import SourceDocument
from briefings.read.readers import (
    ReadResult,
    iter_article_files,
    parse_feed,
    read_documents,
    read_feed,
)

SEEDS = Path(__file__).parents[2] / "seeds"

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Leaders meet in the capital - Example Times</title>
<meta property="og:site_name" content="Example Times">
<meta property="og:title" content="Leaders meet in the capital">
<meta property="og:url" content="https://example.com/world/leaders-meet">
<meta property="article:published_time" content="2020-03-05T23:30:00+03:00">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Leaders meet in the capital</h1>
<p>The two leaders met in the capital on Thursday for talks that lasted more than three hours,
officials said.</p>
<p>"We agreed on many things," one of them told reporters after the meeting ended late in the
evening.</p>
</article>
<footer>Copyright 2020 Example Times. All rights reserved.</footer>
</body></html>
"""

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example Wire</title><link>https://wire.example.com</link>
<item><title>Talks begin</title><link>https://wire.example.com/1</link><guid>wire-1</guid>
<pubDate>Thu, 05 Mar 2020 23:30:00 +0300</pubDate>
<description>&lt;p&gt;The talks began on &lt;b&gt;Thursday&lt;/b&gt;.&lt;/p&gt;
&lt;p&gt;They ended.&lt;/p&gt;</description></item>
<item><title>No body</title><link>https://wire.example.com/2</link></item>
<item><title>Plain</title><link>https://wire.example.com/3</link>
<description>Plain text.</description></item>
</channel></rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom News</title><id>urn:feed</id>
<updated>2020-03-06T00:00:00Z</updated>
<entry><title>Full story</title><id>urn:story:1</id><link href="https://atom.example.com/1"/>
<published>2020-03-05T22:00:00-05:00</published><updated>2020-03-06T10:00:00Z</updated>
<summary>Short summary.</summary>
<content type="html">&lt;p&gt;The full story, longer than the summary.&lt;/p&gt;</content></entry>
</feed>
"""


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def unreadable_reason(path: Path, **options: int) -> str:
    with pytest.raises(UnreadableArticle) as caught:
        read_documents(path, **options)
    return str(caught.value)


# --- finding files ----------------------------------------------------------------------------


def test_iter_article_files_walks_folders_sorted_and_skips_hidden_and_unknown(
    tmp_path: Path,
) -> None:
    for name in [
        "b.txt", "a.md", "sub/c.html", "sub/deeper/d.JSONL", "e.rss",
        ".hidden.txt", ".git/f.txt", "sub/.cache/g.txt", "notes.pdf", "image.png",
    ]:  # fmt: skip
        write(tmp_path, name, "x")
    found = list(iter_article_files([tmp_path]))
    assert found == [
        tmp_path / "a.md",
        tmp_path / "b.txt",
        tmp_path / "e.rss",
        tmp_path / "sub" / "c.html",
        tmp_path / "sub" / "deeper" / "d.JSONL",
    ]


def test_iter_article_files_takes_named_files_once_and_ignores_missing_paths(
    tmp_path: Path,
) -> None:
    article = write(tmp_path, "one.txt", "x")
    notes = write(tmp_path, "notes.pdf", "x")
    given: list[str | Path] = [str(article), tmp_path / "missing.txt", notes, tmp_path, article]
    # A named file of unknown type is yielded so that reading it says why it is rejected.
    assert list(iter_article_files(given)) == [article, notes]


# --- text and Markdown ------------------------------------------------------------------------


def test_read_documents_reads_text_whole_with_newlines_normalised(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "\ufeffTitle\r\n\r\nBody line.\rLast line.\n")
    assert read_documents(path) == ReadResult(
        (SourceDocument(path=str(path), text="Title\n\nBody line.\nLast line.\n", format="text"),)
    )


def test_read_documents_keeps_the_path_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "folder/a.txt", "Some text.")
    monkeypatch.chdir(tmp_path)
    assert read_documents("folder/a.txt").documents[0].path == "folder/a.txt"


def test_read_documents_strips_light_markdown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "a.md",
        "# Leaders meet\n\nThe **two leaders** met, said [the agency](https://x.example/a).\n"
        "![a photo](https://x.example/p.jpg)\n## Background ##\nMore text with # inside.\n",
    )
    assert read_documents(path).documents[0].text == (
        "Leaders meet\n\nThe two leaders met, said the agency.\n\nBackground\n"
        "More text with # inside.\n"
    )


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda path: path.name)
def test_read_documents_reads_each_seed_as_one_text_document(path: Path) -> None:
    result = read_documents(path)
    expected = SourceDocument(path=str(path), text=path.read_text(encoding="utf-8"))
    assert result == ReadResult((expected,))


def test_read_documents_accepts_plausible_cp1252_text(tmp_path: Path) -> None:
    path = write(tmp_path, "old.txt", "The café in Zürich – opened on Monday.".encode("cp1252"))
    assert read_documents(path).documents[0].text == "The café in Zürich – opened on Monday."


def test_read_documents_accepts_a_one_line_megabyte_of_text(tmp_path: Path) -> None:
    path = write(tmp_path, "long.txt", "word " * 200_000)
    assert read_documents(path).documents[0].text == "word " * 200_000


# --- HTML -------------------------------------------------------------------------------------


def test_read_documents_extracts_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = write(tmp_path, "a.html", ARTICLE_HTML)
    assert read_documents(path) == ReadResult(
        (
            SourceDocument(
                path=str(path),
                text="Leaders meet in the capital\n"
                "The two leaders met in the capital on Thursday for talks that lasted more than "
                "three hours, officials said.\n"
                '"We agreed on many things," one of them told reporters after the meeting ended '
                "late in the evening.",
                title="Leaders meet in the capital",
                url="https://example.com/world/leaders-meet",
                published="2020-03-05",
                outlet="Example Times",
                format="html",
            ),
        )
    )


def test_read_documents_falls_back_to_visible_html_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "short.htm",
        "<html><head><title>Short</title><style>p {}</style></head>"
        "<body><p>Only a line.</p><script>var x = 1;</script>"
        "<p>And&nbsp;another.</p></body></html>",
    )
    assert read_documents(path).documents[0].text == "Only a line.\nAnd another."


def test_read_documents_rejects_html_without_text(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.html", "<html><body><script>var x = 1;</script></body></html>")
    assert unreadable_reason(path) == "no article text found in the HTML"


# --- JSON and JSON Lines ----------------------------------------------------------------------


def test_read_documents_reads_one_json_object_under_the_file_path(tmp_path: Path) -> None:
    entry = {
        "headline": "Ignored: title wins",
        "title": "Talks begin",
        "body": "<p>The talks began.</p><p>They ended.</p>",
        "link": "https://x.example/1",
        "published_at": "2020-03-05T10:00:00Z",
        "source": {"id": "wire", "name": "Example Wire"},
    }
    path = write(tmp_path, "a.json", json.dumps(entry))
    assert read_documents(path) == ReadResult(
        (
            SourceDocument(
                path=str(path),
                text="The talks began.\nThey ended.",
                title="Talks begin",
                url="https://x.example/1",
                published="2020-03-05T10:00:00Z",
                outlet="Example Wire",
                format="json",
            ),
        )
    )


def test_read_documents_numbers_json_list_entries_and_rejects_bad_ones(tmp_path: Path) -> None:
    entries = [
        {"title": "One", "text": "First text.", "date": "2020-03-05", "outlet": "Wire"},
        {"title": "No text"},
        "just a string",
        {"content": "Third text.", "published": 1583400000},
    ]
    path = write(tmp_path, "list.json", json.dumps(entries))
    assert read_documents(path) == ReadResult(
        documents=(
            SourceDocument(
                path=f"{path}#1",
                text="First text.",
                title="One",
                published="2020-03-05",
                outlet="Wire",
                format="json",
            ),
            SourceDocument(
                path=f"{path}#4",
                text="Third text.",
                published="2020-03-05T09:20:00+00:00",
                format="json",
            ),
        ),
        rejected=(
            (f"{path}#2", "no text (expected a text, body or content field)"),
            (f"{path}#3", "entry is a JSON string, not an article object"),
        ),
    )


def test_read_documents_keeps_good_jsonl_lines_when_one_is_bad(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "One", "text": "First text."}),
        '{"title": "Broken", "text": ',
        "",
        json.dumps({"title": "Empty", "text": "   "}),
        json.dumps({"title": "Four", "text": "Last text.", "site": "Wire"}),
    ]
    path = write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    assert read_documents(path) == ReadResult(
        documents=(
            SourceDocument(path=f"{path}#1", text="First text.", title="One", format="json"),
            SourceDocument(
                path=f"{path}#5", text="Last text.", title="Four", outlet="Wire", format="json"
            ),
        ),
        rejected=(
            (f"{path}#2", "invalid JSON at line 2"),
            (f"{path}#4", "no text (expected a text, body or content field)"),
        ),
    )


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("bad.json", '{\n  "title": "x",\n  "text": \n}', "invalid JSON at line 4"),
        ("empty-list.json", "[]", "the JSON list holds no articles"),
        ("string.json", '"text"', "JSON must hold an article object or a list of them"),
        (
            "no-text.json",
            '{"title": "Only a title"}',
            "no text (expected a text, body or content field)",
        ),
    ],
)
def test_read_documents_rejects_unusable_json_files(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    assert unreadable_reason(write(tmp_path, name, content)) == reason


# --- RSS and Atom -----------------------------------------------------------------------------


def test_read_documents_reads_rss_entries_and_rejects_empty_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "wire.rss", RSS)
    assert read_documents(path) == ReadResult(
        documents=(
            SourceDocument(
                path=f"{path}#wire-1",
                text="The talks began on Thursday.\nThey ended.",
                title="Talks begin",
                url="https://wire.example.com/1",
                published="2020-03-05",
                outlet="Example Wire",
                format="feed",
            ),
            SourceDocument(
                path=f"{path}#https://wire.example.com/3",
                text="Plain text.",
                title="Plain",
                url="https://wire.example.com/3",
                outlet="Example Wire",
                format="feed",
            ),
        ),
        rejected=((f"{path}#https://wire.example.com/2", "the entry has no text"),),
    )


def test_parse_feed_reads_atom_content_and_the_publisher_date() -> None:
    assert parse_feed(ATOM, "https://atom.example.com/feed") == [
        SourceDocument(
            path="https://atom.example.com/feed#urn:story:1",
            text="The full story, longer than the summary.",
            title="Full story",
            url="https://atom.example.com/1",
            published="2020-03-05",
            outlet="Atom News",
            format="feed",
        )
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>',
            "the feed has no entries",
        ),
        (b"<notes><note>hello</note></notes>", "not an RSS or Atom feed"),
        (b"this is not XML", "not an RSS or Atom feed"),
    ],
)
def test_read_documents_rejects_feeds_without_entries(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    assert unreadable_reason(write(tmp_path, "feed.xml", content)) == reason


@pytest.mark.parametrize(
    "ref",
    ["&#99999999;", "&#x110000;", "&#xD800;", "&#55296;", "&#xD800 ", "&#" + "9" * 5000 + ";"],
)
def test_a_character_reference_to_no_character_does_not_lose_the_feed(ref: str) -> None:
    # The feed parser raised on such a reference, and every entry of the feed was lost
    # (and, polled, the whole poll of every feed with it). It reads as U+FFFD.
    feed = (
        '<rss version="2.0"><channel><title>Wire</title>'
        f"<item><title>Talks</title><description>Talks{ref} began.</description></item>"
        "<item><title>Fair</title><description>It&#8217;s &#x27;fine&#39;.</description></item>"
        "</channel></rss>"
    ).encode()
    talks, fair = parse_feed(feed, "https://wire.example.com/feed")
    assert talks.text == "Talks\ufffd began."
    assert fair.text == "It’s 'fine'."  # references to characters are read as ever


def test_a_feed_its_parser_fails_on_is_unreadable_with_the_reason() -> None:
    broken = (
        b"<rss version='2.0'><channel><item><link>https://e.example/0</item></link></channel></rss>"
    )
    with pytest.raises(UnreadableArticle, match="malformed feed: the feed parser failed"):
        parse_feed(broken, "https://e.example/feed")


def test_an_entry_the_parser_left_without_a_body_or_title_is_rejected_not_failed_on() -> None:
    # A broken title closes nothing: the parser gives the entry a summary of None.
    feed = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>x</title>"
        b"<entry><title>One</title><content type='html'>&lt;p&gt;Body one.&lt;/p&gt;</content></entry>"
        b"<entry><title>Two</2019title><content type='html'>&lt;p&gt;Two.&lt;/p&gt;</content></entry>"
        b"</feed>"
    )
    result = read_feed(feed, "https://atom.example.com/feed")
    assert [d.text for d in result.documents] == ["Body one."]
    assert ("https://atom.example.com/feed#2", "the entry has no text") in result.rejected


# --- bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "file is empty"),
        ("blank.md", b" \n\t\r\n  ", "file is empty (only whitespace)"),
        ("bom-only.txt", b"\xef\xbb\xbf\n", "file is empty (only whitespace)"),
        ("binary.txt", b"PK\x03\x04\x00\x00\x08\x00 some zip", "file is binary, not text"),
        (
            "control.txt",
            b"\x01\x02\x03\x04\x05\x06 text \x07\x08\x0e\x0f",
            "file is binary, not text",
        ),
        ("latin1-garbage.txt", bytes(range(0xA0, 0x100)) * 20, "not UTF-8 text"),
        ("cp1252-undefined.txt", b"Text with \x81\x8d bytes", "not UTF-8 text"),
        ("binary.xml", b"<rss>\x00\x00</rss>", "file is binary, not text"),
        ("empty.rss", b"", "file is empty"),
    ],
)
def test_read_documents_rejects_unreadable_files(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    assert unreadable_reason(write(tmp_path, name, content)) == reason


def test_read_documents_rejects_a_missing_file(tmp_path: Path) -> None:
    assert unreadable_reason(tmp_path / "gone.txt") == "file not found"


def test_read_documents_rejects_a_folder(tmp_path: Path) -> None:
    (tmp_path / "folder.txt").mkdir()
    assert unreadable_reason(tmp_path / "folder.txt") == "is a folder, not a file"


def test_read_documents_rejects_an_unknown_file_type(tmp_path: Path) -> None:
    path = write(tmp_path, "report.pdf", "x")
    assert unreadable_reason(path) == (
        "unsupported file type '.pdf'; use .atom, .htm, .html, .json, .jsonl, .md, .rss, .txt, .xml"
    )


def test_read_documents_rejects_a_huge_file_by_its_size_alone(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as file:
        file.truncate(50_000_000)  # sparse: costs no disk, and would read as NULs
    assert unreadable_reason(path) == "file is 50 MB, over the 2 MB limit"


def test_read_documents_reports_sizes_over_a_custom_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", "x" * 5_200_000)
    assert unreadable_reason(path, max_bytes=2_000_000) == "file is 5.2 MB, over the 2 MB limit"
    assert read_documents(path, max_bytes=6_000_000).documents[0].text == "x" * 5_200_000


def test_reading_text_files_does_not_import_html_or_feed_libraries(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Some text.")
    script = (
        "import sys\n"
        "from briefings.read.readers import read_documents\n"
        "before = set(sys.modules)\n"
        f"read_documents({str(path)!r})\n"
        "print(sorted({'trafilatura', 'feedparser', 'lxml'} & (set(sys.modules) - before)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert output == "[]\n"


def test_read_documents_decodes_html_in_its_declared_charset(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "</head><body><p>Президент встретился с коллегой.</p></body></html>"
    )
    path = write(tmp_path, "ru.html", page.encode("windows-1251"))
    assert read_documents(path).documents[0].text == "Президент встретился с коллегой."


def test_read_documents_tolerates_a_stray_control_character(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "Some text\x0b with a vertical tab.")
    assert read_documents(path).documents[0].text == "Some text\x0b with a vertical tab."
