"""Extract: one article's facts: sentences, dates, outlet, people and their roles, topics."""
