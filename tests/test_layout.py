"""The project's shape: a pure engine, and no seed facts written into code."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

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


# -- a clean checkout stays clean, and .env.example says what the bot does ---------------------
def test_env_example_names_every_setting_and_its_values_are_the_defaults() -> None:
    from bot.config import Settings

    config = (ROOT / "bot" / "config.py").read_text("utf-8")
    read = set(re.findall(r'get\("([A-Z][A-Z0-9_]+)"\)', config))
    example = ROOT / ".env.example"
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example.read_text("utf-8"), re.MULTILINE))
    assert read == listed
    readme = (ROOT / "README.md").read_text("utf-8")
    assert sorted(name for name in read if f"`{name}`" not in readme) == []
    # Copied as it is, the example changes nothing: each value shown is the default.
    assert Settings.from_env({}, example) == Settings.from_env({}, None)


def test_gitignore_covers_what_running_the_bot_leaves_behind(tmp_path: Path) -> None:
    from bot.instance import lock_path
    from bot.sandbox.server import SandboxChats

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    database = Path("newsbot.db")
    left_behind = [
        database.name,
        f"{database.name}-wal",
        f"{database.name}-shm",
        lock_path(database).name,
        SandboxChats(tmp_path / database.name).path.name,
        ".env",
    ]
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(left_behind),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert sorted(ignored) == sorted(left_behind)
    assert (
        subprocess.run(
            ["git", "check-ignore", "--no-index", "-q", ".env.example"], cwd=ROOT, check=False
        ).returncode
        == 1
    )
