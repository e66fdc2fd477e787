"""Your own templates (NEWSBOT_TEMPLATES): overrides used, bad ones reported and replaced.

A template that does not compile, reaches for Python internals or fails while rendering is
recorded with its file and line, and the shipped template answers instead; the bot keeps
answering. The bot tests run the real Application against the local Bot API server, over a
copy of the seeded database opened from Settings, as `python -m bot` opens it.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.config import ConfigError, Settings
from bot.localapi.server import EXAMPLE_TOKEN, LocalBotApi
from bot.telegram_html import validate_telegram_html
from briefings.engine import Engine
from briefings.render.views import Renderer, TemplateProblem
from tests.bot.support import running

USER = 1001

ESCAPE = "{{ briefing.__class__.__mro__ }}"
# Built at render time, so only the sandbox itself can stop it.
RUNTIME_ESCAPE = "{{ briefing.headline }}\n{{ briefing | attr('_' ~ '_class__') }}"


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def shipped_brief(db: Path) -> str:
    """What /brief answers with the shipped template."""
    with Engine(db) as engine:
        return engine.renderer.briefing(engine.brief(), fmt="html")


# -- the renderer -----------------------------------------------------------------------------
OFF_LIMITS = "is off limits (names starting with _ belong to Python, not to templates)"
SHIPPED = (
    "_sources.html.j2, articles.txt.j2, brief.html.j2, brief.txt.j2, digest.html.j2, "
    "person.html.j2, person.txt.j2, search.html.j2, search.txt.j2, sources.html.j2, "
    "sources.txt.j2, topics.html.j2, topics.txt.j2, who.html.j2, who.txt.j2"
)


@pytest.mark.parametrize(
    ("files", "problems"),
    [
        # a syntax error: file and line
        (
            {"brief.html.j2": "<b>{{ briefing.headline }}</b>\n{% if %}\n"},
            {"brief.html.j2": "line 2: Expected an expression, got 'end of statement block'"},
        ),
        # an unclosed block is reported where the file ends
        (
            {"who.txt.j2": "{% for card in cards %}\n{{ card.name }}\n"},
            {
                "who.txt.j2": "line 2: Unexpected end of template. Jinja was looking for the "
                "following tags: 'endfor' or 'else'. The innermost block that needs to be "
                "closed is 'for'."
            },
        ),
        # reaching into Python, three ways
        (
            {"brief.html.j2": f"ok\n{ESCAPE}\n"},
            {"brief.html.j2": f"line 2: '__class__' {OFF_LIMITS}"},
        ),
        (
            {"topics.html.j2": "{{ topics['__len__'] }}"},
            {"topics.html.j2": f"line 1: '__len__' {OFF_LIMITS}"},
        ),
        (
            {"search.txt.j2": "{{ query | attr('__class__') }}"},
            {"search.txt.j2": f"line 1: '__class__' {OFF_LIMITS}"},
        ),
        # a name no shipped template has (a typo) would silently never be used
        (
            {"breif.html.j2": "x"},
            {"breif.html.j2": f"overrides no shipped template (they are: {SHIPPED})"},
        ),
        # not UTF-8
        (
            {"who.html.j2": b"\xff\xfe caf\xe9"},
            {"who.html.j2": "not UTF-8 text (invalid start byte)"},
        ),
        # valid overrides, partials of one's own and other files are no problem
        (
            {
                "brief.html.j2": "{% include '_mine.html.j2' %}",
                "_mine.html.j2": "x",
                "notes.txt": "y",
            },
            {},
        ),
    ],
)
def test_template_problems_name_file_and_line(
    tmp_path: Path, files: dict[str, str | bytes], problems: dict[str, str]
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    renderer = Renderer(folder)
    assert renderer.problems == [
        TemplateProblem(
            name, f"{folder / name}{',' if detail.startswith('line') else ':'} {detail}"
        )
        for name, detail in problems.items()
    ]


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        # the sandbox refuses the attribute when it is named at render time
        (
            RUNTIME_ESCAPE,
            "line 2: access to attribute '__class__' of 'Briefing' object is unsafe.",
        ),
        # StrictUndefined: a variable the template does not receive
        ("{{ briefing.headline }}\n\n{{ no_such_thing }}", "line 3: 'no_such_thing' is undefined"),
        # any other failure of the user's code
        ("{{ 1 // 0 }}", "line 1: ZeroDivisionError: integer division or modulo by zero"),
    ],
)
def test_a_template_failing_at_render_time_falls_back_to_the_shipped_one(
    seeded: Engine, tmp_path: Path, template: str, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write(tmp_path / "mine", {"brief.html.j2": template})
    renderer = Renderer(folder)
    assert renderer.problems == []  # compiles: nothing is known before it renders
    briefing = seeded.brief()
    shipped = Renderer().briefing(briefing, fmt="html")
    assert renderer.briefing(briefing, fmt="html") == shipped
    assert renderer.briefing(briefing, fmt="html") == shipped
    expected = TemplateProblem("brief.html.j2", f"{folder / 'brief.html.j2'}, {problem}")
    assert renderer.problems == [expected]  # recorded once, logged once
    assert [record.getMessage() for record in caplog.records] == [
        f"template brief.html.j2 failed, the shipped one is used: {expected.message}"
    ]


def test_a_broken_partial_of_ones_own_falls_back_too(seeded: Engine, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "mine",
        {"_sources.html.j2": "{% macro cite(item) %}{{ item.__dict__ }}{% endmacro %}"},
    )
    renderer = Renderer(folder)
    briefing = seeded.brief()
    assert renderer.briefing(briefing, fmt="html") == Renderer().briefing(briefing, fmt="html")
    assert [p.name for p in renderer.problems] == ["_sources.html.j2"]


def test_a_valid_override_is_used_and_shipped_templates_fill_the_rest(
    seeded: Engine, tmp_path: Path
) -> None:
    folder = write(tmp_path / "mine", {"topics.txt.j2": "{{ topics | length }} topics\n"})
    renderer = Renderer(folder)
    topics = seeded.topics()
    assert renderer.topics(topics) == f"{len(topics)} topics\n"
    assert renderer.topics(topics, fmt="html") == Renderer().topics(topics, fmt="html")
    assert renderer.problems == []


# -- settings ---------------------------------------------------------------------------------
def test_newsbot_templates_names_a_folder(tmp_path: Path) -> None:
    assert Settings.from_env({"NEWSBOT_TEMPLATES": str(tmp_path)}).templates_dir == tmp_path
    assert Settings.from_env({}).templates_dir is None
    with pytest.raises(ConfigError, match="NEWSBOT_TEMPLATES=.* is not a folder"):
        Settings.from_env({"NEWSBOT_TEMPLATES": str(tmp_path / "missing")})


# -- through the bot --------------------------------------------------------------------------


async def ask(api: LocalBotApi, chat_id: int, text: str) -> list[dict[str, Any]]:
    before = len(api.messages(chat_id))
    api.send_user_message(chat_id, text)
    found = (await api.await_messages(chat_id, before + 1, timeout=15))[before:]
    for message in found:
        validate_telegram_html(message["text"])
    return found


@pytest.fixture
def bot_db(seeded_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "news.db"
    shutil.copy(seeded_db, copy)
    return copy


def bot_settings(api: LocalBotApi, db: Path, templates: Path) -> Settings:
    return Settings(
        token=EXAMPLE_TOKEN,
        api_url=api.base_url,
        file_url=api.base_file_url,
        db_path=db,
        corpus=(),
        templates_dir=templates,
    )


@pytest.mark.parametrize(
    ("template", "logged"),
    [
        # does not compile: reported at start with file and line
        (
            "<b>{{ briefing.headline }}</b>\n{% for %}\n",
            "template brief.html.j2 not used: {folder}/brief.html.j2, line 2: "
            "Expected an expression, got 'end of statement block'",
        ),
        # reaches into Python: reported at start
        (
            f"<b>x</b>\n\n{ESCAPE}",
            "template brief.html.j2 not used: {folder}/brief.html.j2, line 3: "
            "'__class__' is off limits (names starting with _ belong to Python, not to templates)",
        ),
        # reaches into Python in a way only rendering shows: reported at the first /brief
        (
            RUNTIME_ESCAPE,
            "template brief.html.j2 failed, the shipped one is used: {folder}/brief.html.j2, "
            "line 2: access to attribute '__class__' of 'Briefing' object is unsafe.",
        ),
    ],
)
async def test_a_bad_brief_template_is_reported_and_brief_still_answers(
    local_api: LocalBotApi,
    bot_db: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    template: str,
    logged: str,
) -> None:
    folder = write(tmp_path / "mine", {"brief.html.j2": template})
    expected = shipped_brief(bot_db)
    caplog.set_level(logging.WARNING, logger="bot")
    caplog.set_level(logging.WARNING, logger="briefings")
    async with running(build_application(bot_settings(local_api, bot_db, folder))):
        [answer] = await ask(local_api, USER, "/brief")
    assert answer["text"] == expected
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith(("bot", "briefings"))]
    assert warnings == [logged.format(folder=folder)]


async def test_a_valid_brief_template_is_what_brief_answers(
    local_api: LocalBotApi, bot_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write(
        tmp_path / "mine",
        {
            "brief.html.j2": (
                "{#- Mine: headline and the first item of each section. -#}\n"
                "📰 <b>{{ briefing.headline }}</b>\n"
                "{%- for section in briefing.sections %}\n"
                "<i>{{ section.heading }}</i>: {{ section.items[0].text }} "
                "({{ section.items[0].sources | join(' · ') }})\n"
                "{%- endfor %}\n"
            )
        },
    )
    with Engine(bot_db) as engine:
        briefing = engine.brief()
    expected = (
        "\n".join(
            [
                f"📰 <b>{escape_html(briefing.headline)}</b>",
                *(
                    f"<i>{escape_html(s.heading)}</i>: {escape_html(s.items[0].text)} "
                    f"({escape_html(' · '.join(s.items[0].sources))})"
                    for s in briefing.sections
                ),
            ]
        )
        + "\n"
    )
    caplog.set_level(logging.WARNING, logger="bot")
    async with running(build_application(bot_settings(local_api, bot_db, folder))):
        [answer] = await ask(local_api, USER, "/brief")
    assert answer["text"] == expected
    assert [r for r in caplog.records if r.name.startswith(("bot", "briefings"))] == []


def escape_html(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
