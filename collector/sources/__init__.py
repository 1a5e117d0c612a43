"""collector/sources."""
