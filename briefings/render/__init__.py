"""Render: briefings as Telegram HTML, text or JSON, trimmed to fit."""
