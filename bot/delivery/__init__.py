"""What the bot sends unasked: digests on a schedule, instant alerts, and the feeds behind them."""
