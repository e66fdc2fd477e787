"""The sandbox page in a real Chromium, for the habits of Telegram people: numbered sources
with links, the Share button and its deep link, inline mode, a channel's digest, the admins'
own menu, and a reply in the user's language. The real `python -m bot` serves it, with the
seeds (each given its address on a `url:` line) as its corpus and the page's user as admin.

Set NEWSBOT_SCREENSHOT_SOURCES=<path.png> to also write the README's screenshot of a
briefing with its sources (docs/screenshot-sources.png).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.commands.feeds import from_opml
from bot.sandbox.server import YOU_ID
from tests.bot.test_sandbox_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    bot_messages,
    incoming,
    run_python_m_bot,
    send,
)
from tests.conftest import SEEDS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


def corpus_with_addresses(folder: Path) -> Path:
    """The seeds, each with its address on a `url:` line, as plain-text files may carry."""
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text("utf-8")
        (folder / seed.name).write_text(f"{text}\n\nurl: https://example.org/{seed.stem}\n")
    return folder


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("habits")
    corpus = corpus_with_addresses(directory / "corpus")
    environ = {"NEWSBOT_CORPUS": str(corpus), "NEWSBOT_ADMINS": str(YOU_ID)}
    yield from run_python_m_bot(directory, environ)


def new_chat(page: Page, kind: str, title: str, language: str = "en") -> int:
    page.click("#new-chat")
    page.check(f"input[name=kind][value={kind}]")
    page.fill("#new-chat-title", title)
    if kind == "private":
        page.select_option("#new-chat-language", language)
    page.click("#new-chat-create")
    expect(page.locator("#chat-title")).to_contain_text(title)
    return int(page.locator(".chat-item.active").get_attribute("data-chat-id") or 0)


def test_briefing_shows_numbered_sources_with_links(page: Page, live_url: str) -> None:
    page.goto(live_url)
    reply = send(page, "/brief")
    expect(reply.locator(".text")).to_contain_text("Sources")
    markers = reply.locator(".text a", has_text=re.compile(r"^\[\d+\]$"))
    expect(markers.first).to_be_visible()
    hrefs = {markers.nth(i).get_attribute("href") for i in range(markers.count())}
    assert hrefs and all(h and h.startswith("https://example.org/") for h in hrefs)
    sources = reply.locator(".text").inner_text().partition("Sources")[2]
    numbers = re.findall(r"^\[(\d+)\] ", sources, re.MULTILINE)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    assert re.search(r"^\[\d+\] (AFP|TASS) · ", sources, re.MULTILINE)
    assert not re.search(r"\d{3}_[0-9a-f]{16}", sources)  # never a file name


def test_share_button_shares_a_deep_link_that_opens_the_briefing(page: Page, live_url: str) -> None:
    page.goto(live_url)
    group = new_chat(page, "group", "Share desk")
    page.click(f'.chat-item[data-chat-id="{YOU_ID}"]')
    reply = send(page, "/brief")
    briefing_text = bot_messages(live_url, YOU_ID)[-1]["text"]
    reply.locator(".key", has_text="Share").click()
    expect(page.locator("#share-dialog")).to_be_visible()
    expect(page.locator("#share-link")).to_contain_text("?start=brief_")
    page.click(f'.share-chat[data-chat-id="{group}"]')
    # The link arrives in the group as your message; opening it opens the bot's chat.
    expect(page.locator("#chat-title")).to_have_text("Share desk")
    shared = page.locator(".message.outgoing a", has_text="start=brief_").last
    before = len(bot_messages(live_url, YOU_ID))
    shared.click()
    expect(page.locator(f'.chat-item.active[data-chat-id="{YOU_ID}"]')).to_have_count(1)
    expect(page.locator(".message.outgoing").last).to_contain_text("/start brief_")
    expect(incoming(page)).not_to_have_count(0)
    deadline = dt.datetime.now() + dt.timedelta(seconds=20)
    while len(bot_messages(live_url, YOU_ID)) <= before and dt.datetime.now() < deadline:
        page.wait_for_timeout(100)
    assert bot_messages(live_url, YOU_ID)[-1]["text"] == briefing_text


def test_inline_query_sends_a_briefing_via_the_bot(page: Page, live_url: str) -> None:
    page.goto(live_url)
    new_chat(page, "group", "Inline desk")
    page.fill("#input", "")
    page.type("#input", "@newsbot_local_bot annex")
    result = page.locator(".inline-result").first
    expect(result).to_contain_text("Sochi")
    result.click()
    sent = page.locator(".message.outgoing").last
    expect(sent.locator(".via")).to_have_text("via @newsbot_local_bot")
    expect(sent.locator(".text")).to_contain_text("Sources")
    expect(sent.locator(".text a", has_text="[1]").first).to_be_visible()


def test_a_channel_gets_its_digest(page: Page, live_url: str) -> None:
    page.goto(live_url)
    channel = new_chat(page, "channel", "Morning wire")
    # The next whole minute (UTC): the digest is due then, and posted in the channel. Too
    # close to it, and the slot could pass before the subscription is saved: take the next.
    now = dt.datetime.now(dt.UTC)
    lead = dt.timedelta(minutes=2 if now.second > 45 else 1)
    at = (now + lead).strftime("%H:%M")
    reply = send(page, f"/subscribe {at} UTC")
    expect(reply).to_contain_text(f"Digest for Morning wire: every day at {at} UTC")
    digest = incoming(page).filter(has_text="Your digest")
    expect(digest).to_have_count(1, timeout=150_000)
    expect(digest.locator(".text")).to_contain_text("Sources")
    assert [m["chat_id"] for m in bot_messages(live_url, channel)][-1] == channel


def command_names(page: Page, part: str = "name") -> list[str]:
    """The command menu's names (or descriptions) as the page shows them."""
    page.fill("#input", "")
    page.click("#menu-button")
    items = page.locator(f".command-item .command-{part}")
    expect(items.first).to_be_visible()
    names = items.all_inner_texts()
    page.keyboard.press("Escape")
    return names


def test_admin_commands_are_in_the_admins_menu_only(page: Page, live_url: str) -> None:
    page.goto(live_url)
    page.click(f'.chat-item[data-chat-id="{YOU_ID}"]')
    mine = command_names(page)
    assert "/status" in mine and "/feeds" in mine
    new_chat(page, "private", "Guest")
    theirs = command_names(page)
    assert "/brief" in theirs and "/status" not in theirs and "/feeds" not in theirs


def test_a_russian_speaker_gets_russian_headings(page: Page, live_url: str) -> None:
    page.goto(live_url)
    new_chat(page, "private", "Анна", language="ru")
    reply = send(page, "/brief")
    text = reply.locator(".text")
    expect(text).to_contain_text("Источники")
    expect(text).to_contain_text("Участники")
    expect(text).to_contain_text("Russian President")  # the articles' words stay as written
    expect(reply.locator(".key")).to_have_text(["Поделиться"])
    assert "сводка" in " ".join(command_names(page, "description"))  # the menu in Russian too


def test_feeds_export_is_a_file_to_save_and_a_bad_file_sent_back_is_refused(
    page: Page, live_url: str, tmp_path: Path
) -> None:
    page.goto(live_url)
    page.click(f'.chat-item[data-chat-id="{YOU_ID}"]')
    reply = send(page, "/feeds export")
    expect(reply.locator(".document-name")).to_have_text("newsbot-feeds.opml")
    expect(reply.locator(".text")).to_contain_text("0 feeds, as OPML")
    with page.expect_download() as saving:
        reply.locator(".document").click()
    assert from_opml(Path(saving.value.path()).read_bytes()) == []  # no feeds added here
    # A file that is not OPML, sent with the attach button, the command as its caption.
    broken = tmp_path / "broken.opml"
    broken.write_bytes(b"<opml><body>")
    before = incoming(page).count()
    page.fill("#input", "/feeds import")
    page.set_input_files("#attach-file", str(broken))
    expect(page.locator(".message.outgoing").last.locator(".document-name")).to_have_text(
        "broken.opml"
    )
    expect(incoming(page)).not_to_have_count(before)
    expect(incoming(page).nth(before)).to_contain_text("Nothing imported: not OPML")
    expect(page.locator("#input")).to_have_value("")


@pytest.mark.skipif(
    not os.environ.get("NEWSBOT_SCREENSHOT_SOURCES"), reason="set NEWSBOT_SCREENSHOT_SOURCES"
)
def test_screenshot_of_a_briefing_with_sources(browser: Browser, live_url: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(live_url)
    page.click(f'.chat-item[data-chat-id="{YOU_ID}"]')
    reply = send(page, "/brief")
    expect(reply.locator(".text")).to_contain_text("Sources")
    # The end of the briefing: its last items and the sources list.
    reply.evaluate(
        "m => { const box = m.parentElement;"
        " box.scrollTop = m.offsetTop + m.offsetHeight - box.clientHeight + 40; }"
    )
    page.mouse.move(1200, 100)
    page.screenshot(path=os.environ["NEWSBOT_SCREENSHOT_SOURCES"])
    context.close()
