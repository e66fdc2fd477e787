"""A report's place readings are worked out with its features when it is analysed, kept with
them, and read back as the very readings grouping would work out itself; features kept by an
older version (without them) give the same places."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefings.extract.analyse import analyse
from briefings.extract.event_features import ReportFeatures, features_of_article
from briefings.extract.topics import Taxonomy
from briefings.index.event_places import PlaceEvidence, event_place, place_readings, readings_from
from briefings.read.readers import iter_article_files, read_documents

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT.parent / "shared" / "corpora"


def _features(folder: Path) -> list[ReportFeatures]:
    taxonomy = Taxonomy.load()
    found: list[ReportFeatures] = []
    for file in iter_article_files([folder], refused=[]):
        for document in read_documents(file).documents:
            article = analyse(document, taxonomy)
            if article.is_english:
                found.append(features_of_article(article, len(found) + 1))
    return found


def _evidence(features: ReportFeatures, *, kept: bool) -> PlaceEvidence:
    return PlaceEvidence(
        features.title,
        features.located,
        [*features.places, *features.title_places],
        readings=features.place_readings if kept else None,
    )


def _folders() -> list[Path]:
    folders = [ROOT / "seeds"]
    if CORPORA.is_dir():
        folders += sorted(p for p in CORPORA.iterdir() if p.is_dir())
    return folders


@pytest.mark.parametrize("folder", _folders(), ids=lambda p: p.name)
def test_kept_readings_are_those_worked_out_and_give_the_same_place(folder: Path) -> None:
    features = _features(folder)
    assert features
    placed = 0
    for f in features:
        assert f.place_readings == place_readings(f.title, f.located, [*f.places, *f.title_places])
        stored = ReportFeatures.from_json(f.id, f.to_json())
        assert stored.place_readings == f.place_readings
        placed += bool(f.place_readings and f.place_readings[1])
    assert placed, "some report puts a happening in a place"
    # All of them as one group, and each alone: kept or worked out, the same place.
    for group in [features, *([f] for f in features)]:
        assert event_place([_evidence(f, kept=True) for f in group]) == event_place(
            [_evidence(f, kept=False) for f in group]
        )


def test_features_kept_without_readings_read_back_without_them() -> None:
    features = _features(ROOT / "seeds")[0]
    fields = json.loads(features.to_json())
    assert "readings" in fields
    del fields["readings"]
    older = ReportFeatures.from_json(features.id, json.dumps(fields))
    assert older.place_readings is None
    assert event_place([_evidence(older, kept=True)]) == event_place(
        [_evidence(features, kept=True)]
    )


@pytest.mark.parametrize("damaged", [None, 3, "text", [1, 2, 3], [["Oslo"], [[True]]]])
def test_readings_of_another_shape_are_none(damaged: object) -> None:
    assert readings_from(damaged) is None
