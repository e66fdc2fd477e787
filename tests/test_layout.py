"""The project's shape: a pure engine, and no seed facts written into code."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

SEED_WORDS = re.compile(
    r"netanyahu|putin|shoigu|kochavi|ben-shabbat|sochi|jordan valley|likud|erdo[gğ]an|idlib|peskov",
    re.IGNORECASE,
)


SOURCE_SUFFIXES = {".py", ".j2", ".html", ".js", ".toml", ".txt", ".tsv"}


def test_the_engine_imports_nothing_from_the_bot_or_telegram() -> None:
    for path in (ROOT / "briefings").rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert not name.startswith(("bot", "telegram")), f"{path.name} imports {name}"


def test_no_seed_names_in_code_templates_or_data() -> None:
    offenders = []
    for folder in ("briefings", "bot"):
        for path in (ROOT / folder).rglob("*"):
            is_source = path.suffix in SOURCE_SUFFIXES
            if is_source and SEED_WORDS.search(path.read_text("utf-8", errors="replace")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
