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


# -- the engine boundary ------------------------------------------------------------------------
# What the bot may import from the engine: its facade, its dataclasses and its errors.
ENGINE_SURFACE = {"briefings.engine", "briefings.models", "briefings.errors"}


def _imports(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a module's source, wherever it stands."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.append((node.lineno, base))
            # `from bot import health`: the submodule is what is imported.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_the_bot_reaches_the_engine_only_through_its_facade() -> None:
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        source = path.read_text("utf-8")
        tree = ast.parse(source)
        where = str(path.relative_to(ROOT))
        for line, name in _imports(tree, _module_name(path)):
            top = ".".join(name.split(".")[:2])
            if name.startswith("briefings") and name != "briefings" and top not in ENGINE_SURFACE:
                offenders.append(f"{where}:{line} imports {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                # The bot's own store objects are fine; the engine's `.store` is not.
                owner = ast.unparse(node.value)
                if "engine" in owner.lower():
                    offenders.append(f"{where}:{node.lineno} touches {owner}.store")
        if "database_list" in source:
            offenders.append(f"{where} asks SQLite for the database path (Settings.db_path has it)")
    assert offenders == []


# -- no import cycles ---------------------------------------------------------------------------
def _import_graph(package: str) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports (any import, even inside functions
    or under TYPE_CHECKING: a circle in the design is one, however it is dodged at run time)."""
    modules = {_module_name(path): path for path in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for _line, name in _imports(ast.parse(path.read_text("utf-8")), module):
            if name in modules and name != module:
                targets.add(name)
        # A package's __init__ is not a dependency of its submodules here: it only documents.
        graph[module] = {t for t in targets if not module.startswith(t + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(
    "package",
    [
        "bot",
        "briefings",
    ],
)
def test_no_package_has_an_import_cycle(package: str) -> None:
    assert _cycles(_import_graph(package)) == []


def test_the_fake_server_and_the_sandbox_load_only_in_sandbox_mode() -> None:
    """The product imports them in one place: __main__, inside the no-token branch."""
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        module = _module_name(path)
        if module.startswith(("bot.localapi", "bot.sandbox")):
            continue
        tree = ast.parse(path.read_text("utf-8"))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            is_sandbox = any(
                (name or "").startswith(("bot.localapi", "bot.sandbox")) for name in names
            )
            # __main__ may import the sandbox inside a function: its no-token branch.
            if is_sandbox and (module != "bot.__main__" or id(node) in top_level):
                offenders.append(f"{module}:{node.lineno}")
    assert offenders == []


MAX_MODULE_LINES = 400


def test_a_module_over_400_lines_says_why_at_its_top() -> None:
    """Long modules are allowed where splitting would cost more than it gives; the reason is
    written in the module's docstring ("Over 400 lines: …") so a reader knows it is chosen."""
    unexplained = []
    for package in ("bot", "briefings"):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text("utf-8")
            if source.count("\n") <= MAX_MODULE_LINES:
                continue
            doc = ast.get_docstring(ast.parse(source)) or ""
            if "Over 400 lines:" not in doc:
                unexplained.append(f"{path.relative_to(ROOT)} ({source.count(chr(10))} lines)")
    assert unexplained == []
