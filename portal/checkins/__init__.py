"""The client's daily check-in, her history and her home page."""
