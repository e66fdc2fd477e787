"""A fake Telegram Bot API server on 127.0.0.1, for the tests, the benchmarks and the sandbox.

Faithful where bots break: HTML parsing, 4096 characters, 429 with retry_after, 403, group
migration, forum topics, inline queries, command scopes, channels and getChatMember; with
faults injected per method and per chat (`faults`). The product imports it only in sandbox
mode.
"""
