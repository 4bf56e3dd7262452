"""privacy feature package."""
