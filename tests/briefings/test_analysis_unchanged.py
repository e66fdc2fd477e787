"""Analysis stays the same: a digest of what ``analyse`` makes of each seed and each shared
corpus file, against the digests recorded in ``analysis_digests.json``.

Speed work on reading and extraction must not change a single field. The digests hold no
text of the articles, only hashes. When analysis is meant to change, record the new digests
(and say why in the commit):

    python tests/briefings/test_analysis_unchanged.py --update
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path

import pytest

from briefings.extract.analyse import analyse
from briefings.extract.topics import Taxonomy
from briefings.read.readers import iter_article_files, read_documents

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = Path(__file__).with_name("analysis_digests.json")
FOLDERS = {"seeds": ROOT / "seeds", "corpora": ROOT.parent / "shared" / "corpora"}


def _plain(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot digest {type(value).__name__}")


def digests(folder: Path, root: Path) -> dict[str, str]:
    """Relative path of each document → a hash of its analysed article."""
    taxonomy = Taxonomy.load()
    found: dict[str, str] = {}
    for file in iter_article_files([folder], refused=[]):
        for document in read_documents(file).documents:
            fields = dataclasses.asdict(analyse(document, taxonomy))
            name = Path(document.path).relative_to(root).as_posix()
            fields["path"] = name  # the same wherever the checkout lies
            text = json.dumps(fields, sort_keys=True, default=_plain, ensure_ascii=False)
            found[name] = hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
    return found


@pytest.mark.parametrize("name", sorted(FOLDERS))
def test_every_document_is_analysed_as_recorded(name: str) -> None:
    folder = FOLDERS[name]
    if not folder.is_dir():
        pytest.skip(f"{folder.name} is not beside the project")
    recorded = json.loads(DIGESTS.read_text("utf-8"))[name]
    found = digests(folder, folder.parent)
    changed = sorted(
        path for path in recorded.keys() | found.keys() if recorded.get(path) != found.get(path)
    )
    assert not changed, f"analysis changed for {changed}: see this module's docstring"


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    DIGESTS.write_text(
        json.dumps({n: digests(f, f.parent) for n, f in FOLDERS.items() if f.is_dir()}, indent=1)
        + "\n",
        "utf-8",
    )
