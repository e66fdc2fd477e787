"""Newsbot: the Telegram side of the briefings engine."""
