"""The sandbox: the bot against the local Bot API server, with a chat page in the browser."""
