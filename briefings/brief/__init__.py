"""Brief: an event's material worked into who is who, purpose, participants, reactions, context; digests."""
