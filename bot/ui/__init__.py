"""Discord-aware but feature-agnostic helpers: error policy, replies, embeds, checks."""
