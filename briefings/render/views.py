"""Rendering briefings, people and lists as Telegram HTML, plain text or JSON.

Over 400 lines: the three output formats (HTML, text, JSON) share one Renderer, and the
sandboxed loader that checks a user's templates stays beside the environment it guards.

Templates are Jinja2 files in ``briefings/templates`` (layout and fixed words only); a folder
given as ``templates_dir`` overrides them by name. Templates run sandboxed, HTML ones
autoescaped, so no fact can inject markup and no template can reach into Python.

A user's template that does not compile, reaches for Python internals (``__class__``) or
fails while rendering is recorded in ``Renderer.problems`` (file and line) and the shipped
template is used instead: a bad override costs its look, never an answer.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import json
import logging
import os
import re
import traceback
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from briefings.index.corpus_overview import SourcesOverview
from briefings.models import (
    Briefing,
    EventRoles,
    PersonCard,
    SearchHit,
    StoredArticle,
    Topic,
)
from briefings.render.trim import one_item_fewer, shrink_to_fit

logger = logging.getLogger(__name__)

FORMATS = ("text", "html", "json")
Translate = Callable[[str], str]
"""gettext for the reader's language: the bot passes one; fixed words only, never facts."""
TELEGRAM_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")


@dataclasses.dataclass(frozen=True)
class TemplateProblem:
    """A user template that failed to load, and where."""

    name: str
    message: str


def visible_length(rendered_html: str) -> int:
    """Characters a reader sees once Telegram has parsed the HTML."""
    return len(html.unescape(_TAG.sub("", rendered_html)))


def _highlight(snippet: str) -> Markup:
    """Search snippets mark matches with [ ]; show them bold, escaping everything else."""
    escaped = str(html.escape(snippet, quote=False))
    return Markup(re.sub(r"\[([^\[\]]*)\]", r"<b>\1</b>", escaped))


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def _identity(text: str) -> str:
    return text


def translated_heading(heading: str, translate: Translate) -> str:
    """A section heading in the reader's language: its fixed word ("Reactions"), not what
    follows it (a party and subject taken from the articles)."""
    head, colon, rest = heading.partition(": ")
    return translate(head) + colon + rest


def citation_json(citation: Any) -> dict[str, Any]:
    article = citation.article
    return {
        "number": citation.number,
        "outlet": article.outlet,
        "outlet_inferred": article.is_outlet_inferred,
        "outlet_source": article.outlet_source,
        "headline": article.short_title,
        "published": article.published.isoformat() if article.published else None,
        "date_inferred": article.is_date_inferred,
        "date_source": article.date_source,
        "url": article.url,
        "article": article_name(article.path),
    }


def article_name(path: str) -> str:
    """How the JSON names an article: its address, or its file's name without the folders
    it was read from (a machine's paths are nobody else's business)."""
    if "://" in path:
        return path
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def briefing_json(briefing: Briefing) -> dict[str, Any]:
    event = briefing.event
    citations = briefing.citations
    by_path = {c.article.path: c.number for c in citations}
    return {
        "event": {
            "id": event.id,
            "title": event.title,
            "date": event.date.isoformat() if event.date else None,
            "place": event.place,
        },
        "headline": briefing.headline,
        "query": briefing.query,
        "sections": [
            {
                "facet": s.facet,
                "heading": s.heading,
                "items": [
                    {
                        "text": i.text,
                        "sources": list(i.sources),
                        "articles": [article_name(p) for p in i.articles],
                        "citations": sorted({by_path[p] for p in i.articles if p in by_path}),
                    }
                    for i in s.items
                ],
            }
            for s in briefing.sections
        ],
        "people": [
            {"name": r.name, "role": r.role, "evidence": list(r.evidence)} for r in briefing.people
        ],
        # The numbered list the items' "citations" refer to: each article once.
        "citations": [citation_json(c) for c in citations],
    }


def person_json(card: PersonCard) -> dict[str, Any]:
    return {
        "name": card.name,
        "roles": [
            {"role": r.role, "sources": list(r.sources), "articles": list(r.articles)}
            for r in card.roles
        ],
        "participant": card.is_participant,
        "articles": list(card.articles),
        "article_count": card.article_count,
        "mentions": card.mentions,
        "events": list(card.events),
        "quote": to_jsonable(card.quote) if card.quote else None,
        "spellings": list(card.spellings),
    }


def article_json(article: StoredArticle) -> dict[str, Any]:
    return {
        "id": article.id,
        "path": article.path,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published.isoformat() if article.published else None,
        "date_source": article.date_source,
        "language": article.language,
        "event": article.event_id,
        "topics": list(article.topics),
        "url": article.url,
        "outlet_source": article.outlet_source,
        "outlet_inferred": article.is_outlet_inferred,
        "date_inferred": article.is_date_inferred,
    }


class Renderer:
    """Renders the engine's facts with the shipped templates or a user's overrides."""

    def __init__(self, templates_dir: str | Path | None = None) -> None:
        shipped = jinja2.PackageLoader("briefings", "templates")
        self.problems: list[TemplateProblem] = []
        self.templates_dir = Path(templates_dir) if templates_dir else None
        self._user_files = ""
        # The shipped templates are the project's own code, trusted as its Python is: only a
        # user's templates need the sandbox, which doubles the time of a render (and a
        # briefing too long for a message is rendered again for each item it drops).
        self.env: jinja2.Environment = _environment(shipped, sandboxed=False)
        # The shipped templates alone: what a user's template falls back to when it fails.
        self._shipped_env = self.env
        if self.templates_dir is not None:
            user = jinja2.FileSystemLoader(str(self.templates_dir))
            # Tracebacks name the user's files by this prefix (see _user_frame).
            self._user_files = os.path.join(os.path.abspath(self.templates_dir), "")
            self.env = _environment(
                jinja2.ChoiceLoader([_CheckedLoader(user, self.problems), shipped])
            )
            known = set(shipped.list_templates())
            for name in sorted(user.list_templates()):
                if name.endswith(".j2") and name not in known and not name.startswith("_"):
                    self._record(
                        name,
                        f"{self.templates_dir / name}: overrides no shipped template "
                        f"(they are: {', '.join(sorted(known))})",
                    )
                # Load each now so that problems show at start; _CheckedLoader records them.
                with contextlib.suppress(jinja2.TemplateError, UnicodeDecodeError):
                    self.env.get_template(name)

    def _record(self, name: str, message: str) -> bool:
        """Add a problem unless it is known already; whether it was new."""
        problem = TemplateProblem(name, message)
        if problem in self.problems:
            return False
        self.problems.append(problem)
        return True

    def _render(self, name: str, translate: Translate | None = None, **context: Any) -> str:
        translate = translate or _identity
        context.setdefault("_", translate)
        context.setdefault("heading", lambda text: translated_heading(text, translate))
        try:
            text = self.env.get_template(name).render(**context)
        except Exception as error:  # a user's template may fail in any way at all
            where = self._user_frame(error)
            if where is None:
                raise  # the shipped templates' own failures are bugs: let them show
            filename, line = where
            kind = "" if isinstance(error, jinja2.TemplateError) else f"{type(error).__name__}: "
            message = f"{filename}, line {line}: {kind}{error}"
            if self._record(name, message):
                logger.warning("template %s failed, the shipped one is used: %s", name, message)
            text = self._shipped_env.get_template(name).render(**context)
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"

    def _user_frame(self, error: BaseException) -> tuple[str, int] | None:
        """File and line of the innermost frame of a user's template in a traceback."""
        if self.templates_dir is None:
            return None
        frames = [
            (frame.filename, frame.lineno or 0)
            for frame in traceback.extract_tb(error.__traceback__)
            if os.path.abspath(frame.filename).startswith(self._user_files)
        ]
        return frames[-1] if frames else None

    def briefing(
        self,
        briefing: Briefing,
        fmt: str = "text",
        max_chars: int = TELEGRAM_LIMIT,
        *,
        translate: Translate | None = None,
    ) -> str:
        """The briefing in a format; HTML is trimmed of items until it fits ``max_chars``.

        Items end with numbered markers ([1][3]) and the briefing with its sources, each
        once; trimming an item drops the sources only it cited, and renumbers.
        """
        if fmt == "json":
            return json.dumps(briefing_json(briefing), ensure_ascii=False, indent=2)
        name = "brief.html.j2" if fmt == "html" else "brief.txt.j2"
        return shrink_to_fit(
            briefing,
            lambda shown: self._render(name, translate, briefing=shown),
            visible_length,
            max_chars,
            _one_item_fewer,
        )

    def people(
        self,
        cards: Sequence[PersonCard],
        fmt: str = "text",
        title: str = "People",
        *,
        translate: Translate | None = None,
    ) -> str:
        if fmt == "json":
            return json.dumps([person_json(c) for c in cards], ensure_ascii=False, indent=2)
        return self._render(f"who.{_ext(fmt)}.j2", translate, cards=list(cards), title=title)

    def person(
        self,
        card: PersonCard,
        fmt: str = "text",
        *,
        events: Sequence[EventRoles] = (),
        translate: Translate | None = None,
    ) -> str:
        """One person's card; with ``events``, the roles the articles give them per event."""
        if fmt == "json":
            found = person_json(card)
            if events:
                found["events_roles"] = [to_jsonable(e) for e in events]
            return json.dumps(found, ensure_ascii=False, indent=2)
        return self._render(f"person.{_ext(fmt)}.j2", translate, card=card, events=list(events))

    def topics(
        self,
        topics: Sequence[Topic],
        fmt: str = "text",
        *,
        translate: Translate | None = None,
        shown: int | None = None,
    ) -> str:
        """The topics, or the first ``shown`` of them (the most filed) and how many more."""
        if fmt == "json":
            return json.dumps(to_jsonable(list(topics)), ensure_ascii=False, indent=2)
        listed = list(topics if shown is None else topics[:shown])
        return self._render(
            f"topics.{_ext(fmt)}.j2",
            translate,
            topics=listed,
            more_topics=len(topics) - len(listed),
        )

    def search(
        self,
        query: str,
        hits: Sequence[SearchHit],
        fmt: str = "text",
        *,
        translate: Translate | None = None,
    ) -> str:
        if fmt == "json":
            return json.dumps(to_jsonable(list(hits)), ensure_ascii=False, indent=2)
        return self._render(f"search.{_ext(fmt)}.j2", translate, query=query, hits=list(hits))

    def sources(
        self,
        articles: Sequence[StoredArticle],
        fmt: str = "text",
        *,
        translate: Translate | None = None,
    ) -> str:
        if fmt == "json":
            return json.dumps([article_json(a) for a in articles], ensure_ascii=False, indent=2)
        grouped: dict[str, list[StoredArticle]] = defaultdict(list)
        unstated = (translate or _identity)("Outlet not stated")
        for article in articles:
            grouped[article.source_name if article.outlet else unstated].append(article)
        outlets = sorted(grouped.items(), key=lambda kv: (kv[0] == unstated, kv[0]))
        return self._render(
            f"sources.{_ext(fmt)}.j2",
            translate,
            outlets=outlets,
            counts={name: len(listed) for name, listed in outlets},
            more_outlets=0,
            more_articles=0,
        )

    def sources_overview(
        self, overview: SourcesOverview, fmt: str = "text", *, translate: Translate | None = None
    ) -> str:
        """The outlets most articles come from, each with its count and latest articles,
        and how many outlets and articles are left out (the sources templates)."""
        if fmt == "json":
            return json.dumps(to_jsonable(overview), ensure_ascii=False, indent=2)
        unstated = (translate or _identity)("Outlet not stated")
        outlets = [(o.outlet or unstated, list(o.latest)) for o in overview.outlets]
        return self._render(
            f"sources.{_ext(fmt)}.j2",
            translate,
            outlets=outlets,
            counts={o.outlet or unstated: o.article_count for o in overview.outlets},
            more_outlets=overview.outlets_left_out,
            more_articles=overview.articles_left_out,
        )

    def articles(self, articles: Sequence[StoredArticle], fmt: str = "text") -> str:
        if fmt == "json":
            return json.dumps([article_json(a) for a in articles], ensure_ascii=False, indent=2)
        return self._render("articles.txt.j2", articles=list(articles))

    def render_template(
        self, name: str, *, translate: Translate | None = None, **context: Any
    ) -> str:
        """Render any template by name (digests and other bot messages use this)."""
        return self._render(name, translate, **context)


def _environment(loader: jinja2.BaseLoader, *, sandboxed: bool = True) -> jinja2.Environment:
    kind = SandboxedEnvironment if sandboxed else jinja2.Environment
    env = kind(
        loader=loader,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=False,
    )
    env.filters["highlight"] = _highlight
    return env


def _ext(fmt: str) -> str:
    return "html" if fmt == "html" else "txt"


def _one_item_fewer(briefing: Briefing) -> Briefing | None:
    sections = one_item_fewer(briefing.sections, past_floors=True)
    return None if sections is None else dataclasses.replace(briefing, sections=sections)


class _CheckedLoader(jinja2.BaseLoader):
    """A user's template folder: a template that does not compile, or that reaches for Python
    internals the sandbox would refuse anyway, is reported and skipped."""

    def __init__(self, inner: jinja2.FileSystemLoader, problems: list[TemplateProblem]) -> None:
        self.inner = inner
        self.problems = problems

    def get_source(self, environment: jinja2.Environment, template: str):  # type: ignore[no-untyped-def]
        folder = os.path.realpath(self.inner.searchpath[0])
        path = os.path.join(self.inner.searchpath[0], *jinja2.loaders.split_template_path(template))
        real = os.path.realpath(path)
        if os.path.exists(path) and os.path.commonpath([real, folder]) != folder:
            # A link out of the templates folder would render any file the bot can read.
            self._record(template, f"{path}: a link to a file outside the folder: not followed")
            raise jinja2.TemplateNotFound(template)
        try:
            source, filename, uptodate = self.inner.get_source(environment, template)
        except UnicodeDecodeError as error:
            filename = os.path.join(self.inner.searchpath[0], template)
            self._record(template, f"{filename}: not UTF-8 text ({error.reason})")
            raise jinja2.TemplateNotFound(template) from error
        try:
            tree = environment.parse(source, template, filename)
        except jinja2.TemplateSyntaxError as error:
            self._record(template, f"{filename}, line {error.lineno}: {error.message}")
            raise jinja2.TemplateNotFound(template) from error
        if reach := _private_reach(tree):
            line, attribute = reach
            self._record(
                template,
                f"{filename}, line {line}: {attribute!r} is off limits "
                "(names starting with _ belong to Python, not to templates)",
            )
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate

    def _record(self, template: str, message: str) -> None:
        if not any(p.name == template for p in self.problems):
            self.problems.append(TemplateProblem(template, message))

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def _private_reach(tree: nodes.Template) -> tuple[int, str] | None:
    """Line and name of the first `x._name`, `x["_name"]` or `x|attr("_name")` in a template.

    The sandbox refuses these when the template renders; finding them here reports the
    template at start-up rather than at the first message that uses it.
    """
    found: list[tuple[int, str]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        elif isinstance(node, nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, nodes.Const) else None
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, nodes.Const) else None
        else:
            continue
        if isinstance(name, str) and name.startswith("_"):
            found.append((node.lineno, name))
    # Outer nodes come first: on a tie, the last found is the leftmost (`x.__class__.__mro__`).
    return min(reversed(found), key=lambda reach: reach[0]) if found else None
