"""How often the engine names an article's outlet right, on the shared corpora.

    python bench/outlets.py [../shared/corpora]

Each corpus folder has a NAME.md beside it whose table says, per file, the real outlet (the
site, and the wire whose text it carries when it is a copy). This script reads that table,
runs each file through the engine's reader, cleaner and outlet finder, and prints one line
a file and the totals: right (the outlet found is one the table names), wrong (it names
another), none (no outlet found); guesses (a photo credit, a web address) are counted apart.
The table is only read here, to measure: nothing of it goes into the engine.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.corpus import SHARED_CORPORA  # noqa: E402
from briefings.extract.outlets import (  # noqa: E402
    KNOWN_OUTLETS,
    OutletFinding,
    find_outlet_evidence,
)
from briefings.read.clean import clean  # noqa: E402
from briefings.read.readers import read_documents  # noqa: E402

_ROW = re.compile(r"^\|\s*(?P<file>[\w.-]+\.txt)\s*\|[^|]*\|(?P<outlet>[^|]*)\|")


def truth_table(markdown: Path) -> dict[str, str]:
    """file name → the outlet cell of NAME.md's table."""
    rows = {}
    for line in markdown.read_text("utf-8").splitlines():
        if match := _ROW.match(line):
            rows[match.group("file")] = match.group("outlet").strip()
    return rows


def _tokens(text: str) -> list[str]:
    text = re.sub(r"\.(?:com|ca|cn|net|org|co\.uk|co\.in|in)\b", "", text.lower())
    return re.findall(r"[a-z0-9]+", text)


def spellings(name: str) -> list[list[str]]:
    """Every way the outlets table writes a name, as word lists."""
    for outlet in KNOWN_OUTLETS:
        if name in (outlet.name, *outlet.aliases):
            return [_tokens(spelling) for spelling in (outlet.name, *outlet.aliases)]
    return [_tokens(name)]


def is_named(name: str, cell: str) -> bool:
    """Whether the table cell names the outlet (any spelling, as whole words)."""
    words = _tokens(cell)
    joined = "".join(words)
    for spelling in spellings(name):
        if not spelling:
            continue
        n = len(spelling)
        if any(words[i : i + n] == spelling for i in range(len(words) - n + 1)):
            return True
        if len(spelling) > 1 and "".join(spelling) in joined:  # "Global News" / globalnews
            return True
        if len(spelling) == 1 and len(spelling[0]) > 5 and spelling[0] in joined:
            return True
    return False


def judge(finding: OutletFinding, cell: str) -> str:
    if finding.name is None:
        return "none"
    verdict = "right" if is_named(finding.name, cell) else "wrong"
    return f"{verdict} (inferred)" if finding.is_inferred else verdict


def main(argv: list[str]) -> int:
    corpora = Path(argv[1]) if len(argv) > 1 else SHARED_CORPORA
    tables = sorted(p for p in corpora.glob("*.md") if (corpora / p.stem).is_dir())
    if not tables:
        print(f"no NAME.md beside a corpus folder in {corpora}")
        return 1
    counts: Counter[str] = Counter()
    for table in tables:
        for name, cell in truth_table(table).items():
            path = corpora / table.stem / name
            document = read_documents(path).documents[0]
            finding = find_outlet_evidence(document, clean(document))
            verdict = judge(finding, cell)
            counts[verdict] += 1
            found = f"{finding.name} ({finding.source})" if finding.name else "-"
            print(f"{table.stem}/{name:7} {verdict:17} {found:40} table: {cell}")
    total = sum(counts.values())
    stated_right = counts["right"]
    print()
    print(f"files: {total}")
    print(f"right outlet, stated: {stated_right}")
    print(f"right outlet, inferred: {counts['right (inferred)']}")
    print(f"wrong outlet, stated: {counts['wrong']}")
    print(f"wrong outlet, inferred: {counts['wrong (inferred)']}")
    print(f"no outlet: {counts['none']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
