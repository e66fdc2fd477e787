"""Settings: environment and .env parsing, defaults, validation, token hygiene."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.config import SHIPPED_CORPUS, ConfigError, Settings, file_url_for, read_env_file
from bot.logging_setup import REDACTED, TokenFilter, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_defaults_without_any_variable() -> None:
    assert Settings.from_env({}) == Settings(
        token=None,
        api_url="https://api.telegram.org/bot",
        file_url="https://api.telegram.org/file/bot",
        is_test_env=False,
        db_path=Path("newsbot.db"),
        corpus=(SHIPPED_CORPUS,),
        admins=frozenset(),
        tz="UTC",
        log_level="INFO",
        webhook_url=None,
        port=8443,
        webhook_secret=None,
    )


def test_shipped_corpus_is_the_seeds_folder_next_to_the_package() -> None:
    assert Path(__file__).resolve().parents[2] / "seeds" == SHIPPED_CORPUS
    assert SHIPPED_CORPUS.is_dir()


def test_every_variable_is_read() -> None:
    environ = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot",
        "NEWSBOT_DB": "/data/news.db",
        "NEWSBOT_CORPUS": "a/one:b/two",
        "NEWSBOT_ADMINS": " 42, 7 ,",
        "NEWSBOT_TZ": "Europe/Berlin",
        "LOG_LEVEL": "debug",
        "WEBHOOK_URL": "https://example.org/tg/hook",
        "PORT": "88",
        "WEBHOOK_SECRET": "s3cret_-X",
    }
    assert Settings.from_env(environ) == Settings(
        token=TOKEN,
        api_url="http://127.0.0.1:8081/bot",
        file_url="http://127.0.0.1:8081/file/bot",
        db_path=Path("/data/news.db"),
        corpus=(Path("a/one"), Path("b/two")),
        admins=frozenset({42, 7}),
        tz="Europe/Berlin",
        log_level="DEBUG",
        webhook_url="https://example.org/tg/hook",
        port=88,
        webhook_secret="s3cret_-X",
    )


@pytest.mark.parametrize(
    ("environ", "api_url", "file_url"),
    [
        # Telegram's test environment
        (
            {"TELEGRAM_TEST_ENV": "1"},
            "https://api.telegram.org/bot{token}/test",
            "https://api.telegram.org/file/bot{token}/test",
        ),
        # an explicit URL wins over the test-environment flag
        (
            {"TELEGRAM_TEST_ENV": "1", "TELEGRAM_API_URL": "http://localhost:9/bot{token}/x"},
            "http://localhost:9/bot{token}/x",
            "http://localhost:9/file/bot{token}/x",
        ),
        # an explicit file URL is kept as given
        (
            {"TELEGRAM_API_URL": "http://h/bot", "TELEGRAM_FILE_URL": "http://f/files/bot"},
            "http://h/bot",
            "http://f/files/bot",
        ),
    ],
)
def test_api_urls(environ: dict[str, str], api_url: str, file_url: str) -> None:
    settings = Settings.from_env(environ)
    assert (settings.api_url, settings.file_url) == (api_url, file_url)


@pytest.mark.parametrize(
    ("api_url", "file_url"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:5000/bot{token}/test", "http://127.0.0.1:5000/file/bot{token}/test"),
        # no "/bot" in it: nothing sensible to derive, reuse as is
        ("http://proxy.local/api/", "http://proxy.local/api/"),
    ],
)
def test_file_url_for(api_url: str, file_url: str) -> None:
    assert file_url_for(api_url) == file_url


def test_env_file_fills_gaps_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "\n"
        f"export TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "NEWSBOT_TZ = 'Asia/Tokyo'\n"
        'NEWSBOT_DB="my db.sqlite"\n'
        "NEWSBOT_ADMINS=1,2 # the two of us\n"
        "LOG_LEVEL=WARNING\n",
        encoding="utf-8",
    )
    settings = Settings.from_env({"LOG_LEVEL": "ERROR"}, env_file)
    assert (settings.token, settings.tz, settings.db_path, settings.admins, settings.log_level) == (
        TOKEN,
        "Asia/Tokyo",
        Path("my db.sqlite"),
        frozenset({1, 2}),
        "ERROR",
    )


def test_missing_env_file_is_no_error(tmp_path: Path) -> None:
    assert read_env_file(tmp_path / "absent.env") == {}


def test_env_file_line_without_equals_names_file_and_line(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("A=1\nthis is not a setting\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.env:2: expected KEY=value"):
        read_env_file(env_file)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"NEWSBOT_TZ": "Mars/Olympus"}, "NEWSBOT_TZ='Mars/Olympus' is not a known time zone"),
        ({"NEWSBOT_TZ": "Europe"}, "NEWSBOT_TZ='Europe' is not a known time zone"),
        ({"NEWSBOT_TZ": "../etc/passwd"}, "is not a known time zone"),
        ({"NEWSBOT_ADMINS": "42,@alice"}, "'@alice' is not one"),
        ({"PORT": "http"}, "PORT must be a number from 1 to 65535"),
        ({"PORT": "70000"}, "PORT must be a number from 1 to 65535"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"TELEGRAM_TEST_ENV": "maybe"}, "TELEGRAM_TEST_ENV must be 1 or 0"),
        (
            {"NEWSBOT_FEEDS_ALLOW_PRIVATE": "sometimes"},
            "NEWSBOT_FEEDS_ALLOW_PRIVATE must be 1 or 0",
        ),
        ({"WEBHOOK_URL": "example.org/hook"}, "WEBHOOK_URL must be an https:// URL"),
        ({"WEBHOOK_URL": "https://[hook"}, "WEBHOOK_URL must be an https:// URL"),
        ({"NEWSBOT_FEEDS": "https://[feed"}, "NEWSBOT_FEEDS must hold http"),
        ({"WEBHOOK_SECRET": "has space"}, "WEBHOOK_SECRET must be 1–256 characters"),
        ({"WEBHOOK_SECRET": "x" * 257}, "WEBHOOK_SECRET must be 1–256 characters"),
        ({"TELEGRAM_BOT_TOKEN": "not a token"}, "does not look like a token from @BotFather"),
    ],
)
def test_invalid_values_are_refused_with_a_fix(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        Settings.from_env(environ)


def test_empty_values_mean_unset() -> None:
    assert Settings.from_env({"TELEGRAM_BOT_TOKEN": "", "NEWSBOT_TZ": " "}) == Settings()


@pytest.mark.parametrize(
    ("user_id", "is_admin"),
    [(42, True), (7, True), (8, False), (None, False)],
)
def test_is_admin(user_id: int | None, is_admin: bool) -> None:
    settings = Settings.from_env({"NEWSBOT_ADMINS": "42,7"})
    assert settings.is_admin(user_id) is is_admin


def test_webhook_secret_derived_from_token_is_valid_and_hides_the_token() -> None:
    settings = Settings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_URL": "https://x.org/hook/"}
    )
    secret = settings.secret_token
    assert len(secret) == 64 and secret.isalnum()
    assert TOKEN.split(":")[1] not in secret
    assert secret == Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).secret_token
    assert (settings.is_webhook, settings.webhook_path) == (True, "hook")


def test_explicit_webhook_secret_wins() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "abc"})
    assert settings.secret_token == "abc"


def test_token_is_not_in_the_settings_repr() -> None:
    assert TOKEN not in repr(Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}))


# -- token redaction (bot/logging_setup.py) -------------------------------------------------
@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # the URL httpx logs
        (
            f"POST https://api.telegram.org/bot{TOKEN}/getUpdates",
            f"POST https://api.telegram.org/bot{REDACTED}/getUpdates",
        ),
        # any bot-token-shaped string, even not ours
        (
            "url http://h/bot987654:abcdefghijklmnopqrstuvwxyz/getMe",
            f"url http://h/bot{REDACTED}/getMe",
        ),
        # a bare token
        (f"token is {TOKEN}.", f"token is {REDACTED}."),
        # ordinary numbers and times survive
        ("at 12:30 on 2019-09-12, 3 items", "at 12:30 on 2019-09-12, 3 items"),
    ],
)
def test_redact(text: str, redacted: str) -> None:
    assert redact(text, TOKEN) == redacted


def test_token_filter_redacts_message_arguments_and_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.handler.addFilter(TokenFilter("42:short"))
    log = logging.getLogger("tests.redaction")
    try:
        raise RuntimeError(f"request to https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        log.exception("failed with %s and %s", TOKEN, "42:short")
    assert TOKEN not in caplog.text and "42:short" not in caplog.text
    assert caplog.text.count(REDACTED) == 3
    assert (
        "RuntimeError: request to https://api.telegram.org/bot<redacted>/sendMessage" in caplog.text
    )


# -- how `python -m bot` serves (bot/app.py run) ------------------------------------------------
@pytest.mark.parametrize(
    ("environ", "method", "arguments"),
    [
        # WEBHOOK_URL set: a webhook on its path, with the secret derived from the token
        (
            {"WEBHOOK_URL": "https://bot.example.org/telegram", "PORT": "88"},
            "run_webhook",
            {
                "listen": "0.0.0.0",
                "port": 88,
                "url_path": "telegram",
                "webhook_url": "https://bot.example.org/telegram",
                "secret_token": Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).secret_token,
            },
        ),
        # otherwise long polling
        ({}, "run_polling", {}),
    ],
)
def test_run_picks_webhook_or_polling(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], method: str, arguments: dict
) -> None:
    from telegram.ext import Application

    from bot.app import run

    called: dict[str, dict] = {}

    def record(name: str):  # type: ignore[no-untyped-def]
        def runner(self: Application, **kwargs: object) -> None:
            called[name] = kwargs

        return runner

    monkeypatch.setattr(Application, "run_webhook", record("run_webhook"))
    monkeypatch.setattr(Application, "run_polling", record("run_polling"))
    run(Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, **environ}))
    assert list(called) == [method]
    kwargs = {key: value for key, value in called[method].items() if key != "allowed_updates"}
    assert kwargs == arguments


@pytest.mark.parametrize(("value", "allowed"), [(None, False), ("0", False), ("1", True)])
def test_feeds_reach_private_addresses_only_when_allowed(value: str | None, allowed: bool) -> None:
    environ = {} if value is None else {"NEWSBOT_FEEDS_ALLOW_PRIVATE": value}
    assert Settings.from_env(environ).feeds_allow_private is allowed


def test_every_variable_is_documented() -> None:
    """Each variable config.py reads is in the README's table and in .env.example."""
    root = Path(__file__).resolve().parents[2]
    source = (root / "bot" / "config.py").read_text("utf-8")
    read = set(re.findall(r'get\("([A-Z_]+)"\)', source))
    readme = (root / "README.md").read_text("utf-8")
    example = (root / ".env.example").read_text("utf-8")
    assert "NEWSBOT_FEEDS_ALLOW_PRIVATE" in read
    assert sorted(v for v in read if f"`{v}`" not in readme) == []
    assert sorted(v for v in read if not re.search(rf"^{v}=", example, re.MULTILINE)) == []
