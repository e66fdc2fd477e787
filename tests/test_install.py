"""`pip install .` as an operator does it: the wheel in a fresh virtual environment, run from a
folder that is not the checkout, so nothing can come from the source tree.

The one slow test of the suite (a wheel build and a bot start, some seconds) and worth it: it
is the only one that sees what the wheel really holds — console scripts, templates, the
sandbox page and the seed articles — rather than the checkout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from bot.sandbox.server import YOU_ID
from tests.bot.test_sandbox import free_port
from tests.conftest import ROOT

# What the wheel is built from: the Docker build context too (.dockerignore keeps these).
SOURCES = ("pyproject.toml", "README.md", "bot", "briefings", "seeds")


def build_wheel(into: Path) -> Path:
    """Build the wheel offline from a copy of the sources (the checkout is left untouched)."""
    pytest.importorskip("setuptools", reason="the test extra brings setuptools, the build backend")
    source = into / "source"
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
        + [str(source), "-w", str(into / "dist")],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = (into / "dist").glob("newsbot-*.whl")
    return wheel


def fresh_venv(wheel: Path, where: Path) -> Path:
    """A new virtual environment with the wheel installed; returns its bin folder.

    The dependencies are the running environment's, seen through a .pth line added after the
    install: the wheel's own files come first, and no editable-install hook of the checkout
    comes along (.pth files of a folder added that way are not run).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run(
        [*pip, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_running_env_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    return where / "bin"


def operator_environment(home: Path) -> dict[str, str]:
    """No variable of the developer's bot, and nothing pointing at the checkout."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "NEWSBOT_", "WEBHOOK_", "PYTHON", "VIRTUAL_ENV"))
        and key != "PORT"
    }
    environ["HOME"] = str(home)
    return environ


def test_pip_install_gives_commands_that_brief_the_packaged_seeds(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "build")
    bin_dir = fresh_venv(wheel, tmp_path / "venv")
    operator = tmp_path / "operator"  # no checkout, no .env, no seeds/ here
    operator.mkdir()
    environ = operator_environment(operator)

    # --check: the seeds are found inside the installed package.
    check = subprocess.run(
        [str(bin_dir / "newsbot"), "--check"],
        cwd=operator,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    [corpus_line] = [line for line in check.stdout.splitlines() if "corpus folder" in line]
    packaged = Path(corpus_line.split("corpus folder ", 1)[1].split(":", 1)[0])
    assert packaged.is_relative_to(tmp_path / "venv") and packaged.parts[-2:] == ("bot", "seeds")
    assert sorted(p.name for p in packaged.iterdir()) == sorted(
        p.name for p in (ROOT / "seeds").iterdir()
    )

    # newsbot-briefings: the engine's command line, on the packaged seeds.
    ingest = subprocess.run(
        [str(bin_dir / "newsbot-briefings"), "ingest", str(packaged)],
        cwd=operator,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ingest.returncode == 0, ingest.stderr
    assert ingest.stdout.startswith("added 5, updated 0, unchanged 0, rejected 0")
    assert (operator / "newsbot.db").exists()

    # newsbot with no token: the sandbox serves its page and briefs the seeds.
    port = free_port()
    process = subprocess.Popen(
        [str(bin_dir / "newsbot"), "--port", str(port)],
        cwd=operator,
        env={**environ, "NEWSBOT_DB": str(operator / "sandbox.db")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the installed sandbox did not start in 60 s"
            try:
                # The command menu is registered once the start-up ingest is done.
                if httpx.get(f"{base}/_local/commands").json()["result"]:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        page = httpx.get(f"{base}/")
        httpx.post(f"{base}/_local/send", json={"chat_id": YOU_ID, "text": "/brief"})
        replies = httpx.get(
            f"{base}/_local/messages", params={"chat_id": YOU_ID, "wait": 30}, timeout=40
        ).json()["result"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "Netanyahu" in replies[0]["visible_text"], replies
    assert process.returncode == 0, err
    assert out.startswith(f"newsbot sandbox: chat with the bot at {base}/")
    assert "Traceback" not in err
