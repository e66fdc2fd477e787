"""The bot's commands: one module a command family, each with its handler list."""
