"""reports feature package."""
