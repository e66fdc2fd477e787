// The sandbox chat page: a small Telegram-like client of the local Bot API server.
//
// It acts as the user through the server's control API (/_local/send, /_local/press,
// /_local/commands) and learns what happened through one long poll (/_sandbox/feed) that
// returns every new or edited message in every chat, so digests arrive in chats that are not
// open. Bot messages are Telegram HTML: they are parsed with DOMParser and rebuilt from a
// whitelist of Telegram's tags, so no markup the bot sent is ever inserted as HTML.
"use strict";

const FEED_WAIT_SECONDS = 25;
const TYPING_MS = 5500; // Telegram shows "typing…" for about five seconds
const COMMANDS_MAX_AGE_MS = 3000;

const state = {
  epoch: null,
  bot: { first_name: "Bot", username: "" },
  you: null,
  chats: new Map(), // id -> {id, type, title, messages: Map(message_id -> message), unread, typingUntil}
  current: null,
  since: 0,
  actions: 0,
  commands: { list: [], fetchedAt: 0, scope: null },
  menu: { items: [], active: 0 },
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------
// Server calls

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json();
  if (!body.ok) throw new Error(body.description || `HTTP ${response.status}`);
  return body;
}

async function postJSON(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(payload),
  });
  const body = await response.json();
  if (!body.ok) throw new Error(body.description || `HTTP ${response.status}`);
  return body;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------
// Telegram HTML → DOM, through a whitelist

const SIMPLE_TAGS = {
  b: "strong", strong: "strong", i: "em", em: "em", u: "u", ins: "u",
  s: "s", strike: "s", del: "s",
};
const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:", "tg:"]);
const SKIPPED_TAGS = new Set(["script", "style", "template", "iframe", "object", "noscript"]);
// Telegram turns bare links and /commands in text into clickable entities.
const AUTOLINK = /(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)\]'])|((?<![\w/@])\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,})?(?![\w/]))/g;

function safeHref(raw) {
  if (!raw) return null;
  try {
    const url = new URL(raw, window.location.href);
    return SAFE_SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.target = "_blank";
  a.rel = "noopener noreferrer nofollow";
  a.textContent = text;
  a.addEventListener("click", (event) => {
    if (openTelegramLink(href)) event.preventDefault();
  });
  return a;
}

/** t.me links do in the sandbox what they do in Telegram; true when one was handled. */
function openTelegramLink(href) {
  let url;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  if (url.hostname !== "t.me") return false;
  if (url.pathname === "/share/url") {
    openShareDialog(url.searchParams.get("url") || "", url.searchParams.get("text") || "");
    return true;
  }
  const start = url.searchParams.get("start");
  if (url.pathname.slice(1).toLowerCase() === (state.bot.username || "").toLowerCase() && start !== null) {
    // A deep link opens the chat with the bot and sends /start <payload>.
    const current = state.chats.get(state.current);
    const privateChat = current && current.type === "private" ? current : [...state.chats.values()].find((c) => c.type === "private");
    if (privateChat) {
      openChat(privateChat.id);
      sendText(start ? `/start ${start}` : "/start");
    }
    return true;
  }
  return false;
}

/** Telegram's share sheet: pick a chat, the link goes there as your message. */
function openShareDialog(sharedUrl, text) {
  const dialog = $("share-dialog");
  const list = $("share-chats");
  list.replaceChildren();
  for (const chat of state.chats.values()) {
    const item = document.createElement("button");
    item.type = "button";
    item.className = "share-chat";
    item.dataset.chatId = String(chat.id);
    item.textContent = chatName(chat);
    item.addEventListener("click", async () => {
      dialog.close();
      openChat(chat.id);
      await sendText(text ? `${text}\n${sharedUrl}` : sharedUrl);
    });
    list.appendChild(item);
  }
  $("share-link").textContent = sharedUrl;
  dialog.showModal();
}

function commandLink(command) {
  const span = document.createElement("span");
  span.className = "bot-command";
  span.textContent = command;
  span.title = `Send ${command}`;
  span.addEventListener("click", () => sendText(command));
  return span;
}

/** Append plain text, turning URLs and /commands into links unless inside code or a link. */
function appendText(parent, text, plainOnly) {
  if (plainOnly) {
    parent.appendChild(document.createTextNode(text));
    return;
  }
  let last = 0;
  for (const match of text.matchAll(AUTOLINK)) {
    if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
    parent.appendChild(match[1] ? link(match[1], match[1]) : commandLink(match[2]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
}

const BLOCK_TAGS = new Set(["blockquote", "pre"]);

function copyChildren(source, target, plainOnly) {
  let afterBlock = false;
  for (const node of source.childNodes) {
    // A block already ends its line, so the newline Telegram text has after it is dropped.
    if (afterBlock && node.nodeType === Node.TEXT_NODE && node.data.startsWith("\n")) {
      appendText(target, node.data.slice(1), plainOnly);
    } else {
      copyNode(node, target, plainOnly);
    }
    afterBlock = node.nodeType === Node.ELEMENT_NODE && BLOCK_TAGS.has(node.localName);
  }
}

function copyNode(node, target, plainOnly) {
  if (node.nodeType === Node.TEXT_NODE) {
    appendText(target, node.data, plainOnly);
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  const tag = node.localName;
  if (SKIPPED_TAGS.has(tag)) return;
  let element;
  let childrenPlain = plainOnly;
  if (tag in SIMPLE_TAGS) {
    element = document.createElement(SIMPLE_TAGS[tag]);
  } else if (tag === "tg-spoiler" || (tag === "span" && node.classList.contains("tg-spoiler"))) {
    element = document.createElement("span");
    element.className = "spoiler";
    element.title = "Spoiler: click to reveal";
    element.addEventListener("click", (event) => {
      if (!element.classList.contains("revealed")) event.preventDefault();
      element.classList.add("revealed");
    });
  } else if (tag === "a") {
    const href = safeHref(node.getAttribute("href"));
    element = href ? link(href, "") : document.createElement("span");
    childrenPlain = true;
  } else if (tag === "code") {
    element = document.createElement("code");
    childrenPlain = true;
  } else if (tag === "pre") {
    element = document.createElement("pre");
    const inner = node.querySelector(":scope > code[class^='language-']");
    if (inner) element.dataset.language = inner.className.slice("language-".length).slice(0, 32);
    childrenPlain = true;
  } else if (tag === "blockquote") {
    element = document.createElement("blockquote");
    if (node.hasAttribute("expandable")) {
      element.classList.add("expandable");
      element.title = "Click to expand";
      element.addEventListener("click", () => element.classList.toggle("expanded"));
    }
  } else {
    // tg-emoji, or a tag Telegram would not accept: keep its text, drop the tag.
    copyChildren(node, target, plainOnly);
    return;
  }
  copyChildren(node, element, childrenPlain);
  target.appendChild(element);
}

/** A fragment showing Telegram HTML; only whitelisted tags survive, as new elements. */
function renderTelegramHtml(html) {
  const fragment = document.createDocumentFragment();
  const parsed = new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, "text/html");
  copyChildren(parsed.body, fragment, false);
  return fragment;
}

function renderPlain(text) {
  const fragment = document.createDocumentFragment();
  appendText(fragment, text || "", false);
  return fragment;
}

// ---------------------------------------------------------------------------------------
// Formatting helpers

function clock(seconds) {
  const date = new Date(seconds * 1000);
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

function dayLabel(seconds) {
  const date = new Date(seconds * 1000);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (date.toDateString() === today.toDateString()) return "Today";
  if (date.toDateString() === yesterday.toDateString()) return "Yesterday";
  return date.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });
}

function initials(name) {
  const words = (name || "?").trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((word) => [...word][0].toUpperCase()).join("") || "?";
}

const AVATAR_COLOURS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];

function avatarColour(id) {
  return AVATAR_COLOURS[Math.abs(Number(id)) % AVATAR_COLOURS.length];
}

function chatName(chat) {
  if (chat.type !== "private") return chat.title;
  return chat.title === "You" ? state.bot.first_name : `${state.bot.first_name} · as ${chat.title}`;
}

function fillAvatar(element, chat) {
  const isGroup = chat.type !== "private";
  element.textContent = initials(isGroup ? chat.title : state.bot.first_name);
  element.style.background = avatarColour(isGroup ? chat.id : 7);
}

function isTyping(chat) {
  return chat.typingUntil > Date.now();
}

// ---------------------------------------------------------------------------------------
// Chats and the sidebar

function upsertChat(entry) {
  let chat = state.chats.get(entry.id);
  if (!chat) {
    chat = { ...entry, messages: new Map(), unread: 0, typingUntil: 0 };
    state.chats.set(entry.id, chat);
  } else {
    Object.assign(chat, { type: entry.type, title: entry.title });
  }
  return chat;
}

function lastMessage(chat) {
  let last = null;
  for (const message of chat.messages.values()) last = message;
  return last;
}

function renderSidebar() {
  const list = $("chat-list");
  list.replaceChildren();
  const chats = [...state.chats.values()].sort((a, b) => {
    const lastA = lastMessage(a);
    const lastB = lastMessage(b);
    return (lastB ? lastB.seq : 0) - (lastA ? lastA.seq : 0) || b.id - a.id;
  });
  for (const chat of chats) {
    const item = document.createElement("li");
    item.className = "chat-item";
    item.dataset.chatId = String(chat.id);
    item.dataset.type = chat.type;
    if (chat.id === state.current) item.classList.add("active");
    item.setAttribute("role", "button");
    item.tabIndex = 0;

    const avatar = document.createElement("div");
    avatar.className = "avatar";
    fillAvatar(avatar, chat);

    const body = document.createElement("div");
    body.className = "chat-item-body";
    const top = document.createElement("div");
    top.className = "chat-item-top";
    const name = document.createElement("span");
    name.className = "chat-item-name";
    if (chat.type !== "private") name.classList.add("group");
    name.textContent = chatName(chat);
    const time = document.createElement("span");
    time.className = "chat-item-time";
    const last = lastMessage(chat);
    time.textContent = last ? clock(last.date) : "";
    top.append(name, time);

    const bottom = document.createElement("div");
    bottom.className = "chat-item-bottom";
    const preview = document.createElement("span");
    preview.className = "chat-item-preview";
    if (isTyping(chat)) {
      preview.textContent = "typing…";
      preview.classList.add("typing");
    } else if (last) {
      const who = last.from_bot ? "" : "You: ";
      const shown = last.visible_text || (last.document ? `📄 ${last.document.file_name}` : "");
      preview.textContent = who + shown.replace(/\s+/g, " ");
    } else {
      preview.textContent = chat.type === "private" ? "private chat" : "group";
    }
    bottom.append(preview);
    if (chat.unread > 0) {
      const badge = document.createElement("span");
      badge.className = "unread";
      badge.textContent = String(chat.unread);
      bottom.append(badge);
    }
    body.append(top, bottom);
    item.append(avatar, body);
    item.addEventListener("click", () => openChat(chat.id));
    item.addEventListener("keydown", (event) => {
      if (event.key === "Enter") openChat(chat.id);
    });
    list.appendChild(item);
  }
}

function renderHeader() {
  const chat = state.chats.get(state.current);
  if (!chat) return;
  fillAvatar($("chat-avatar"), chat);
  $("chat-title").textContent = chatName(chat);
  const status = $("chat-status");
  status.classList.toggle("typing", isTyping(chat));
  if (isTyping(chat)) {
    status.textContent = chat.type === "private" ? "typing…" : `${state.bot.first_name} is typing…`;
  } else if (chat.type === "private") {
    status.textContent = `bot · @${state.bot.username}`;
  } else if (chat.type === "channel") {
    status.textContent = `channel · you post, @${state.bot.username} is an admin`;
  } else {
    status.textContent = `group · you and @${state.bot.username}`;
  }
}

function openChat(id) {
  const chat = state.chats.get(id);
  if (!chat) return;
  state.current = id;
  chat.unread = 0;
  try {
    localStorage.setItem("newsbot-sandbox-chat", String(id));
  } catch {
    // storage may be off; remembering the open chat is only a convenience
  }
  state.commands.fetchedAt = 0; // menus differ between private chats and groups
  hideMenu();
  renderHeader();
  renderSidebar();
  renderMessages();
  $("input").focus();
}

// ---------------------------------------------------------------------------------------
// Messages

function renderKeyboard(chat, message) {
  const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  if (!rows.length) return null;
  const keyboard = document.createElement("div");
  keyboard.className = "keyboard";
  for (const row of rows) {
    const line = document.createElement("div");
    line.className = "keyboard-row";
    for (const button of row) {
      let element;
      const url = safeHref(button.url);
      if (url) {
        element = link(url, button.text);
        element.classList.add("url");
        element.dataset.url = url;
      } else {
        element = document.createElement("button");
        element.type = "button";
        element.textContent = button.text;
        if (button.callback_data !== undefined) {
          element.dataset.callback = button.callback_data;
          element.addEventListener("click", () => press(chat.id, message.message_id, button, element));
        } else {
          element.disabled = true; // a kind of button the sandbox does not support
        }
      }
      element.classList.add("key");
      line.appendChild(element);
    }
    keyboard.appendChild(line);
  }
  return keyboard;
}

function renderMessage(chat, message) {
  const wrapper = document.createElement("div");
  wrapper.className = `message ${message.from_bot ? "incoming" : "outgoing"}`;
  wrapper.dataset.messageId = String(message.message_id);

  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (message.from_bot && chat.type !== "private") {
    const sender = document.createElement("div");
    sender.className = "sender";
    sender.textContent = state.bot.first_name;
    bubble.appendChild(sender);
  }
  if (message.via_bot) {
    const via = document.createElement("div");
    via.className = "via";
    via.textContent = `via @${message.via_bot}`;
    bubble.appendChild(via);
  }
  if (message.document) bubble.appendChild(renderDocument(message.document));
  const text = document.createElement("div");
  text.className = "text";
  text.appendChild(message.is_html ? renderTelegramHtml(message.text || "") : renderPlain(message.text || ""));
  bubble.appendChild(text);

  const meta = document.createElement("span");
  meta.className = "meta";
  if (message.edit_date) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "edited";
    meta.appendChild(edited);
  }
  const time = document.createElement("time");
  time.textContent = clock(message.date);
  time.dateTime = new Date(message.date * 1000).toISOString();
  meta.appendChild(time);
  if (!message.from_bot) {
    const ticks = document.createElement("span");
    ticks.className = "ticks";
    ticks.textContent = "✓✓";
    meta.appendChild(ticks);
  }
  text.appendChild(meta);
  wrapper.appendChild(bubble);

  const keyboard = renderKeyboard(chat, message);
  if (keyboard) wrapper.appendChild(keyboard);
  return wrapper;
}

/** A file in a message: its name and size, a link that saves it. */
function renderDocument(file) {
  const a = document.createElement("a");
  a.className = "document";
  a.href = `/_sandbox/file?id=${encodeURIComponent(file.file_id)}`;
  a.download = file.file_name;
  const icon = document.createElement("span");
  icon.className = "document-icon";
  icon.textContent = "📄";
  const about = document.createElement("span");
  const name = document.createElement("span");
  name.className = "document-name";
  name.textContent = file.file_name;
  const size = document.createElement("span");
  size.className = "document-size";
  size.textContent = file.file_size < 1024 ? `${file.file_size} B` : `${(file.file_size / 1024).toFixed(1)} KB`;
  about.append(name, size);
  a.append(icon, about);
  return a;
}

async function sendFile(file, caption) {
  const chat = state.chats.get(state.current);
  if (!chat || !file) return;
  const form = new FormData();
  form.append("chat_id", String(chat.id));
  form.append("caption", caption.trim());
  form.append("file", file, file.name);
  try {
    const response = await fetch("/_sandbox/upload", { method: "POST", body: form });
    const body = await response.json();
    if (!body.ok) throw new Error(body.description || `HTTP ${response.status}`);
  } catch (error) {
    toast(`Not sent: ${error.message}`);
  }
}

function daySeparator(seconds) {
  const separator = document.createElement("div");
  separator.className = "day";
  const label = document.createElement("span");
  label.textContent = dayLabel(seconds);
  separator.appendChild(label);
  separator.dataset.day = new Date(seconds * 1000).toDateString();
  return separator;
}

function emptyState(chat) {
  const card = document.createElement("div");
  card.className = "empty";
  const title = document.createElement("h3");
  title.textContent = chat.type === "private" ? "What can this bot do?" : "No messages here yet";
  const text = document.createElement("p");
  text.textContent =
    chat.type === "private"
      ? "It turns news articles into short briefings, every line with its sources."
      : "Commands work in groups too. Try one:";
  const start = document.createElement("button");
  start.type = "button";
  start.className = "primary";
  start.textContent = chat.type === "private" ? "START" : "/brief";
  start.addEventListener("click", () => sendText(chat.type === "private" ? "/start" : "/brief"));
  card.append(title, text, start);
  return card;
}

function isNearBottom(element) {
  return element.scrollHeight - element.scrollTop - element.clientHeight < 120;
}

function renderMessages() {
  const box = $("messages");
  box.replaceChildren();
  const chat = state.chats.get(state.current);
  if (!chat) return;
  if (!chat.messages.size) {
    box.appendChild(emptyState(chat));
    return;
  }
  let day = null;
  for (const message of chat.messages.values()) {
    const thisDay = new Date(message.date * 1000).toDateString();
    if (thisDay !== day) {
      box.appendChild(daySeparator(message.date));
      day = thisDay;
    }
    box.appendChild(renderMessage(chat, message));
  }
  box.scrollTop = box.scrollHeight;
}

/** Show a new or edited message of the open chat; edits replace the message in place. */
function showMessage(chat, message, isEdit) {
  const box = $("messages");
  const stick = isNearBottom(box) || !message.from_bot;
  const element = renderMessage(chat, message);
  const existing = box.querySelector(`.message[data-message-id="${message.message_id}"]`);
  if (existing) {
    existing.replaceWith(element);
    return;
  }
  if (isEdit) return; // an edit of a message not drawn yet will be drawn with the chat
  const empty = box.querySelector(".empty");
  if (empty) empty.remove();
  const separators = box.querySelectorAll(".day");
  const lastDay = separators.length ? separators[separators.length - 1].dataset.day : null;
  if (lastDay !== new Date(message.date * 1000).toDateString()) box.appendChild(daySeparator(message.date));
  box.appendChild(element);
  if (stick) box.scrollTop = box.scrollHeight;
}

// ---------------------------------------------------------------------------------------
// The feed: everything that happens, in every chat

function applyFeed(feed) {
  // "typing…" comes before the reply it announces: mark it first, so the reply clears it.
  for (const chatId of feed.typing) {
    const chat = state.chats.get(chatId);
    if (chat) chat.typingUntil = Date.now() + TYPING_MS;
  }
  if (feed.typing.length) setTimeout(refreshTyping, TYPING_MS + 50);
  let unknownChat = false;
  for (const message of feed.messages) {
    let chat = state.chats.get(message.chat_id);
    if (!chat) {
      chat = upsertChat({ id: message.chat_id, type: message.chat_id > 0 ? "private" : "group", title: `Chat ${message.chat_id}` });
      unknownChat = true;
    }
    const isEdit = chat.messages.has(message.message_id);
    chat.messages.set(message.message_id, message);
    // a Map keeps insertion order; messages arrive in id order except edits, which replace
    if (message.from_bot) chat.typingUntil = 0;
    if (chat.id === state.current) {
      showMessage(chat, message, isEdit);
    } else if (message.from_bot && !isEdit) {
      chat.unread += 1;
    }
  }
  renderSidebar();
  renderHeader();
  if (unknownChat) loadChats().catch(() => {});
}

function refreshTyping() {
  renderSidebar();
  renderHeader();
}

function setConnected(isConnected) {
  $("connection").hidden = isConnected;
  document.body.classList.toggle("offline", !isConnected);
}

async function pollFeed() {
  for (;;) {
    try {
      const query = `since=${state.since}&actions=${state.actions}&epoch=${state.epoch}&wait=${FEED_WAIT_SECONDS}`;
      const feed = await getJSON(`/_sandbox/feed?${query}`);
      setConnected(true);
      if (feed.epoch !== state.epoch) {
        await restart();
        continue;
      }
      state.since = feed.seq;
      state.actions = feed.actions;
      applyFeed(feed);
    } catch {
      setConnected(false);
      await sleep(1500);
    }
  }
}

/** The server restarted: forget what it no longer knows and load its state afresh. */
async function restart() {
  state.chats.clear();
  state.since = 0;
  await loadChats();
  renderMessages();
}

async function loadChats() {
  const body = await getJSON("/_sandbox/state");
  if (body.epoch !== state.epoch) {
    state.epoch = body.epoch;
    state.actions = body.actions;
  }
  state.bot = body.bot;
  state.you = body.you;
  for (const entry of body.chats) upsertChat(entry);
  if (!state.chats.has(state.current)) {
    const remembered = Number(localStorage.getItem("newsbot-sandbox-chat"));
    state.current = state.chats.has(remembered) ? remembered : body.chats.length ? body.chats[0].id : null;
  }
  renderSidebar();
  renderHeader();
}

// ---------------------------------------------------------------------------------------
// Acting as the user

async function sendText(text) {
  const chat = state.chats.get(state.current);
  const trimmed = text.trim();
  if (!chat || !trimmed) return;
  hideMenu();
  const payload = { chat_id: chat.id, text: trimmed };
  if (chat.type === "group" || chat.type === "supergroup") payload.user_id = state.you;
  try {
    await postJSON("/_local/send", payload);
  } catch (error) {
    toast(`Not sent: ${error.message}`);
  }
}

async function press(chatId, messageId, button, element) {
  element.classList.add("pending");
  try {
    const payload = { chat_id: chatId, message_id: messageId, data: button.callback_data };
    if (chatId < 0) payload.user_id = state.you;
    const body = await postJSON("/_local/press", payload);
    const queryId = body.result.callback_query.id;
    const answer = (await getJSON(`/_sandbox/answer?id=${encodeURIComponent(queryId)}&wait=15`)).result;
    if (answer && answer.text) {
      if (answer.show_alert) window.alert(answer.text);
      else toast(answer.text);
    }
  } catch (error) {
    toast(`Button failed: ${error.message}`);
  } finally {
    element.classList.remove("pending");
  }
}

let toastTimer = null;

function toast(text) {
  const element = $("toast");
  element.textContent = text;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    element.hidden = true;
  }, 3000);
}

// ---------------------------------------------------------------------------------------
// The command menu (from setMyCommands)

function commandScopes(chat) {
  // Telegram's order: the chat's own scopes, then all private chats, or (you being the
  // group's creator, so an administrator) all chat administrators and all groups; default.
  if (chat.type === "private") return [{ type: "chat", chat_id: chat.id }, { type: "all_private_chats" }, null];
  return [
    { type: "chat_administrators", chat_id: chat.id },
    { type: "chat", chat_id: chat.id },
    { type: "all_chat_administrators" },
    { type: "all_group_chats" },
    null,
  ];
}

function chatLanguage(chat) {
  if (chat.type === "private") return chat.language || "en";
  const you = state.chats.get(state.you);
  return (you && you.language) || "en";
}

async function loadCommands() {
  const chat = state.chats.get(state.current);
  if (!chat) return [];
  if (Date.now() - state.commands.fetchedAt < COMMANDS_MAX_AGE_MS) return state.commands.list;
  for (const scope of commandScopes(chat)) {
    const params = new URLSearchParams({ language_code: chatLanguage(chat) });
    if (scope) params.set("scope", JSON.stringify(scope));
    const query = `?${params}`;
    try {
      const body = await getJSON(`/_local/commands${query}`);
      if (body.result.length || !scope) {
        state.commands = { list: body.result, fetchedAt: Date.now() };
        break;
      }
    } catch {
      // an older server may not know a scope: fall through to the next one
    }
  }
  return state.commands.list;
}

function hideMenu() {
  $("command-menu").hidden = true;
  state.menu.items = [];
}

function menuPrefix() {
  const value = $("input").value;
  return /^\/[A-Za-z0-9_]*$/.test(value) ? value.slice(1).toLowerCase() : null;
}

async function showMenu(prefix, always = false) {
  const commands = await loadCommands();
  // The input may have changed (or been sent) while the commands were loading.
  if (!always && menuPrefix() !== prefix) return;
  const items = commands.filter((command) => command.command.startsWith(prefix));
  const menu = $("command-menu");
  menu.replaceChildren();
  state.menu = { items, active: 0 };
  if (!items.length) {
    if (!commands.length) {
      const note = document.createElement("div");
      note.className = "command-empty";
      note.textContent = "The bot has not registered its commands yet.";
      menu.appendChild(note);
      menu.hidden = false;
    } else {
      menu.hidden = true;
    }
    return;
  }
  items.forEach((command, index) => {
    const item = document.createElement("div");
    item.className = "command-item";
    item.setAttribute("role", "option");
    item.dataset.command = command.command;
    const name = document.createElement("span");
    name.className = "command-name";
    name.textContent = `/${command.command}`;
    const description = document.createElement("span");
    description.className = "command-description";
    description.textContent = command.description;
    item.append(name, description);
    item.addEventListener("mousedown", (event) => event.preventDefault()); // keep input focus
    item.addEventListener("click", () => pickCommand(index, true));
    menu.appendChild(item);
  });
  menu.hidden = false;
  highlight(0);
}

function highlight(index) {
  const items = $("command-menu").querySelectorAll(".command-item");
  if (!items.length) return;
  state.menu.active = (index + items.length) % items.length;
  items.forEach((item, i) => item.classList.toggle("active", i === state.menu.active));
  items[state.menu.active].scrollIntoView({ block: "nearest" });
}

/** Send the highlighted command (as Telegram does on click/Enter) or put it in the input (Tab). */
function pickCommand(index, send) {
  const command = state.menu.items[index];
  if (!command) return;
  const input = $("input");
  if (send) {
    input.value = "";
    sendText(`/${command.command}`);
  } else {
    input.value = `/${command.command} `;
    hideMenu();
  }
  input.focus();
}

// ---------------------------------------------------------------------------------------
// Inline mode: "@bot words" in any chat asks the bot for results to send

let inlineTimer = null;
let inlineSeq = 0;

function inlineQuery() {
  const value = $("input").value;
  const prefix = `@${state.bot.username} `;
  return value.toLowerCase().startsWith(prefix.toLowerCase()) ? value.slice(prefix.length) : null;
}

function scheduleInline(query) {
  clearTimeout(inlineTimer);
  inlineTimer = setTimeout(() => runInline(query), 350);
}

async function runInline(query, offset = "", more = false) {
  const chat = state.chats.get(state.current);
  if (!chat) return;
  const seq = ++inlineSeq;
  const userId = chat.type === "private" ? chat.id : state.you;
  const chatType = chat.type === "private" ? "sender" : chat.type;
  let body;
  try {
    body = await postJSON("/_local/inline", { user_id: userId, query, chat_type: chatType, offset, wait: 15 });
  } catch (error) {
    toast(`Inline query failed: ${error.message}`);
    return;
  }
  if (seq !== inlineSeq || inlineQuery() === null) return; // typed on meanwhile
  showInlineResults(chat, body.result, query, more);
}

function showInlineResults(chat, found, query, more = false) {
  const menu = $("command-menu");
  // The next page (Telegram asks for it as the user scrolls) goes below the ones shown.
  const previous = more ? menu.querySelector(".inline-more") : null;
  if (previous) previous.remove();
  else menu.replaceChildren();
  state.menu = { items: [], active: 0 };
  const results = (found.answer && found.answer.results) || [];
  if (!results.length && !more) {
    const note = document.createElement("div");
    note.className = "command-empty";
    note.textContent = found.answer ? "No results." : "The bot did not answer.";
    menu.appendChild(note);
  }
  for (const result of results) {
    const item = document.createElement("div");
    item.className = "inline-result";
    item.setAttribute("role", "option");
    item.dataset.resultId = result.id;
    const title = document.createElement("span");
    title.className = "inline-title";
    title.textContent = result.title || result.id;
    const description = document.createElement("span");
    description.className = "inline-description";
    description.textContent = result.description || "";
    item.append(title, description);
    item.addEventListener("mousedown", (event) => event.preventDefault());
    item.addEventListener("click", async () => {
      hideMenu();
      $("input").value = "";
      try {
        await postJSON("/_local/choose", { chat_id: chat.id, query_id: found.id, result_id: result.id });
      } catch (error) {
        toast(`Not sent: ${error.message}`);
      }
    });
    menu.appendChild(item);
  }
  const next = found.answer && found.answer.next_offset;
  if (next) {
    const item = document.createElement("div");
    item.className = "inline-result inline-more";
    item.setAttribute("role", "option");
    item.textContent = "More results…";
    item.addEventListener("mousedown", (event) => event.preventDefault());
    item.addEventListener("click", () => runInline(query, next, true));
    menu.appendChild(item);
  }
  menu.hidden = false;
}

// ---------------------------------------------------------------------------------------
// "New chat"

function setupShare() {
  $("share-cancel").addEventListener("click", () => $("share-dialog").close());
}

function setupNewChat() {
  const dialog = $("new-chat-dialog");
  const form = $("new-chat-form");
  const title = $("new-chat-title");
  const label = $("title-label");
  form.addEventListener("change", () => {
    const kind = form.elements.kind.value;
    label.textContent = kind === "group" ? "Group title" : kind === "channel" ? "Channel title" : "Your name";
    $("language-field").hidden = kind !== "private";
  });
  $("new-chat").addEventListener("click", () => {
    title.value = "";
    dialog.showModal();
    title.focus();
  });
  $("new-chat-cancel").addEventListener("click", () => dialog.close());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = await postJSON("/_sandbox/chats", {
        type: form.elements.kind.value,
        title: title.value,
        language: $("new-chat-language").value,
      });
      upsertChat(body.result);
      dialog.close();
      openChat(body.result.id);
    } catch (error) {
      toast(`Could not create the chat: ${error.message}`);
    }
  });
}

// ---------------------------------------------------------------------------------------
// Wiring

function setupComposer() {
  const input = $("input");
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = input.value;
    input.value = "";
    sendText(value);
  });
  input.addEventListener("input", () => {
    const inline = inlineQuery();
    if (inline !== null) {
      scheduleInline(inline);
      return;
    }
    const prefix = menuPrefix();
    if (prefix === null) hideMenu();
    else showMenu(prefix);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && inlineQuery() !== null) {
      event.preventDefault(); // an inline query is answered by picking a result, not sent
      return;
    }
    const isOpen = !$("command-menu").hidden && state.menu.items.length > 0;
    if (!isOpen) {
      if (event.key === "Escape") hideMenu();
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(state.menu.active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Tab") {
      event.preventDefault();
      pickCommand(state.menu.active, false);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const typed = input.value.slice(1).toLowerCase();
      const exact = state.menu.items.findIndex((command) => command.command === typed);
      pickCommand(exact >= 0 ? exact : state.menu.active, true);
    } else if (event.key === "Escape") {
      hideMenu();
    }
  });
  // Hide the menu once the input has lost focus for good: not when focus came back meanwhile
  // (opening a chat focuses the input again just after the click on the chat blurred it).
  input.addEventListener("blur", () =>
    setTimeout(() => {
      if (document.activeElement !== input) hideMenu();
    }, 150),
  );
  $("attach-button").addEventListener("click", () => $("attach-file").click());
  $("attach-file").addEventListener("change", () => {
    const picker = $("attach-file");
    const file = picker.files && picker.files[0];
    picker.value = "";
    if (!file) return;
    const caption = inlineQuery() === null ? input.value : "";
    input.value = "";
    sendFile(file, caption);
  });
  $("menu-button").addEventListener("mousedown", (event) => event.preventDefault());
  $("menu-button").addEventListener("click", () => {
    if (!$("command-menu").hidden) {
      hideMenu();
      return;
    }
    input.focus();
    showMenu(menuPrefix() || "", true);
  });
}

async function main() {
  setupComposer();
  setupNewChat();
  setupShare();
  for (;;) {
    try {
      await loadChats();
      break;
    } catch {
      setConnected(false);
      await sleep(1000);
    }
  }
  setConnected(true);
  openChat(state.current);
  pollFeed();
}

main();
