"""Fixtures shared by every test: the shipped seeds and a real, migrated SQLite file."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefings.engine import Engine
from briefings.index.identity import NameEvidence

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_CORPUS = ROOT.parent / "shared" / "corpora" / "erdogan-putin"


def seed(prefix: str) -> Path:
    """The seed file whose name starts with a number, e.g. seed("003")."""
    return next(SEEDS.glob(f"{prefix}_*.txt"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "newsbot.db"


@pytest.fixture
def engine(db_path: Path) -> Iterator[Engine]:
    with Engine(db_path) as engine:
        yield engine


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the five seeds ingested, built once per session (tests copy it)."""
    path = tmp_path_factory.mktemp("seeded") / "seeds.db"
    with Engine(path) as engine:
        engine.ingest([SEEDS])
    return path


@pytest.fixture
def seeded(seeded_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """An engine over a private copy of the seeded database."""
    import shutil

    copy = tmp_path / "seeds.db"
    shutil.copy(seeded_db, copy)
    with Engine(copy) as engine:
        yield engine


@pytest.fixture(scope="session")
def dev_corpus() -> Path:
    if not DEV_CORPUS.is_dir():
        pytest.skip("../shared/corpora is not beside the project")
    return DEV_CORPUS


def random_evidence(rng: random.Random, key: str, surnames: list[str]) -> NameEvidence:
    """What the corpus may say of a name, drawn at random: for the tests that check name
    resolution against resolving every name the plain way."""
    return NameEvidence(
        key,
        articles=rng.randint(1, 5),
        nationalities=Counter(rng.sample(["ukrainian", "russian", "chinese"], 1)),
        roles={rng.choice(["minister", "spokesman", "businessman"])},
        strong=rng.random() < 0.8,
        company={rng.choice(surnames)},
        first_article=rng.randint(1, 500),
    )
