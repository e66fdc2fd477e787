"""What the corpus is made of, as an admin and a reader are shown it: its size, and the
outlets its articles come from (Store.corpus_figures, Store.sources_overview)."""

from __future__ import annotations

from dataclasses import dataclass

from briefings.models import StoredArticle


@dataclass(frozen=True)
class CorpusFigures:
    """How big the corpus is, in the figures an admin is shown."""

    articles: int
    english: int
    outlets: int
    """Outlets as briefings cite them (an inferred one apart from the same outlet stated)."""
    events: int
    topics: int


@dataclass(frozen=True)
class OutletArticles:
    """An outlet's articles in the corpus: how many, and the latest stored of them."""

    outlet: str | None
    """As briefings cite it (marked when inferred); None for articles naming no outlet."""
    article_count: int
    latest: tuple[StoredArticle, ...]


@dataclass(frozen=True)
class SourcesOverview:
    """The outlets a corpus draws on, the most cited first few: what /sources shows of a
    corpus too big to list article by article."""

    outlets: tuple[OutletArticles, ...]
    outlets_left_out: int
    articles_left_out: int
    """The articles of the outlets left out."""
